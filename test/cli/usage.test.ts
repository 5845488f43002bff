/** What an administrator meets first: a missing path, a mistyped option, a busy port. */
import { createServer } from 'node:net';
import t from 'tap';
import { sanso } from './run.js';

const MISSING = 'no-such-dir-sanso/rules.yaml';

t.test('a path that does not exist is a usage error (exit 2) for every command', async (t) => {
  const cases: [string[], RegExp][] = [
    [['validate', MISSING], /^sanso: PATH no-such-dir-sanso\/rules\.yaml does not exist\nusage: sanso validate /],
    [['validate', '--rules', MISSING], /^sanso: --rules \S+ does not exist\nusage: sanso validate /],
    [['decide', '--rules', MISSING, '10.0.0.1', '10.0.0.2', 'tcp/443'], /^sanso: --rules \S+ does not exist\nusage: sanso decide /],
    [['decide', '--batch', MISSING], /^sanso: --batch \S+ does not exist\nusage: sanso decide /],
    [['check', MISSING], /^sanso: FILE \S+ does not exist\nusage: sanso check /],
    [['check', '-', '--rules', MISSING], /^sanso: --rules \S+ does not exist\nusage: sanso check /],
    [['compile', '--rules', MISSING], /^sanso: --rules \S+ does not exist\nusage: sanso compile /],
    [['audit', MISSING], /^sanso: DEVICE \S+ does not exist\nusage: sanso audit /],
    [['audit', MISSING, '--interfaces', MISSING], /^sanso: DEVICE \S+ does not exist\n/],
    [['diff', MISSING, 'rules/'], /^sanso: OLD \S+ does not exist\nusage: sanso diff /],
    [['diff', 'rules/', MISSING], /^sanso: NEW \S+ does not exist\nusage: sanso diff /],
    [['serve', '--rules', MISSING], /^sanso: --rules \S+ does not exist\nusage: sanso serve /],
  ];
  for (const [args, err] of cases) {
    const r = await sanso(args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.err, err, args.join(' '));
    t.notMatch(r.err, /\ncommands:\n/, `${args.join(' ')}: the command's own usage only`);
    t.equal(r.out, '', args.join(' '));
  }
});

t.test("usage errors print the command's usage; an unknown command prints them all", async (t) => {
  const r = await sanso(['decide', '--no-such-option']);
  t.equal(r.code, 2);
  t.match(r.err, /^sanso: .*--no-such-option.*\nusage: sanso decide SRC DST SERVICE/);
  t.notMatch(r.err, /usage: sanso <command>/);
  t.match(r.err, /sanso --help lists every command/);
  const u = await sanso(['no-such-command']);
  t.equal(u.code, 2);
  t.match(u.err, /usage: sanso <command>[\s\S]*commands:/);
});

t.test('a port in use says how to pick another', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const port = (blocker.address() as { port: number }).port;
  const r = await sanso(['serve', '--rules', 'rules/', '--port', String(port), '--log-level', 'silent']);
  t.equal(r.code, 1);
  t.match(r.err, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE; another program uses port ${port}: pick another with --port N`));
});
