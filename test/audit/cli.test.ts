/**
 * `sanso audit` end to end, in-process: every output format, --flows, and every kind of bad
 * input (a FILE:LINE:COL message and exit 1, never a stack trace), and usage errors (exit 2).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv';
import t from 'tap';
import { sanso } from '../cli/run.js';
import { validateSarif } from '../report/sarif-schema.js';

const DIR = 'examples/firewalls';
const BAD = `${DIR}/iptables-mistakes.save`;
const GOOD = `${DIR}/iptables-compliant.save`;
const IF = ['--interfaces', `${DIR}/interfaces.yaml`, '--as-of', '2026-11-30'];
const tmp = mkdtempSync(join(tmpdir(), 'sanso-audit-'));
const write = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

const noStack = (t: { notMatch: (a: string, b: RegExp, m: string) => void }, err: string): void => {
  t.notMatch(err, /\n\s+at /, 'no stack trace');
};

t.test('text: kinds in order, violations first, with rule locations', async (t) => {
  const r = await sanso(['audit', BAD, ...IF, '--max-findings', '3']);
  t.equal(r.code, 3);
  const v = r.out.indexOf('Violations');
  const u = r.out.indexOf('Ungranted');
  const x = r.out.indexOf('Unreachable rules');
  t.ok(v > 0 && v < u && u < x, 'violations, then ungranted, then unreachable');
  t.match(r.out, `${BAD}:15:1: MN-ISOLATION lg-ops (lgwan) → mn-juki (mynumber), e.g. 10.20.9.0 → 10.10.1.0 tcp/22`);
  t.match(r.out, /… \d+ more not listed/);
  t.match(r.out, 'Return-traffic rules');
  const ok = await sanso(['audit', GOOD, ...IF]);
  t.equal(ok.code, 0);
  t.match(ok.out, 'compliant');
});

t.test('json: the documented schema', async (t) => {
  const schema = JSON.parse(readFileSync('schemas/api/audit-result.json', 'utf8'));
  const validate = new Ajv2020.default({ strict: false }).compile(schema);
  for (const file of [BAD, GOOD, `${DIR}/nft-mistakes.json`]) {
    const r = await sanso(['audit', file, ...IF, '--format', 'json']);
    const doc = JSON.parse(r.out);
    t.ok(validate(doc), `${file}: ${JSON.stringify(validate.errors)}`);
  }
});

t.test('sarif: valid SARIF 2.1.0 located in the device file', async (t) => {
  const r = await sanso(['audit', BAD, ...IF, '--format', 'sarif', '--max-findings', '5'], '', { GITHUB_WORKSPACE: process.cwd() });
  t.equal(r.code, 3);
  const doc = JSON.parse(r.out);
  t.ok(validateSarif(doc), JSON.stringify(validateSarif.errors?.slice(0, 3)));
  const results = doc.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[];
  t.ok(results.length > 0);
  for (const res of results) t.equal(res.locations[0]!.physicalLocation.artifactLocation.uri, BAD);
  t.ok(results.some((x) => x.ruleId === 'AUDIT-VIOLATION' && x.locations[0]!.physicalLocation.region.startLine === 15));
  t.ok(results.some((x) => x.ruleId === 'AUDIT-UNREACHABLE'));
});

t.test('github annotations and markdown', async (t) => {
  const g = await sanso(['audit', BAD, ...IF, '--format', 'github', '--max-findings', '2'], '', { GITHUB_WORKSPACE: process.cwd() });
  t.equal(g.code, 3);
  t.match(g.out, `::error file=${BAD},line=15,col=1,title=AUDIT-VIOLATION::violation: the device forwards lg-ops → mn-juki`);
  t.match(g.out, /::warning file=[^\n]*title=AUDIT-UNREACHABLE::/);
  for (const line of g.out.trimEnd().split('\n')) t.match(line, /^::(error|warning) /);
  const m = await sanso(['audit', BAD, ...IF, '--format', 'markdown', '--max-findings', '2']);
  t.equal(m.code, 3);
  t.match(m.out, '## sanso audit: findings');
  t.match(m.out, '| device rule | code | from → to | witness | policy |');
  t.match(m.out, '`10.20.9.0 → 10.10.1.0 tcp/22`');
});

t.test('--flows: one JSON line per flow, device verdict, policy decision, agreement', async (t) => {
  const csv =
    'src,dst,service\n10.20.9.1,10.10.1.5,tcp/22\n10.10.100.7,203.0.113.9,tcp/443\n10.20.100.1,8.8.8.8,udp/53\n# comment\n10.20.100.1,10.20.1.1,tcp/22\nnot-an-address,10.0.0.1,tcp/1\n10.0.0.1,10.0.0.2\n';
  const r = await sanso(['audit', BAD, ...IF, '--flows', '-'], csv);
  t.equal(r.code, 1, 'a bad line makes the exit 1');
  const lines = r.out
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 6);
  t.match(lines[0], {
    flow: { src: '10.20.9.1', dst: '10.10.1.5', service: 'tcp/22' },
    device: { action: 'accept', file: BAD, line: 15 },
    policy: { decision: 'deny', code: 'MN-ISOLATION' },
    agree: false,
    audited: true,
  });
  t.match(lines[1], { device: { action: 'accept', line: 39 }, policy: { decision: 'allow', code: 'GRANTED', rule: 'F-101' }, agree: true });
  t.match(lines[2], { device: { action: 'accept' }, policy: { decision: 'deny', code: 'CLOUD-AGGREGATION' }, agree: false });
  // Both behind lg0: the flow does not cross the firewall.
  t.match(lines[3], { audited: false });
  t.match(lines[4], { line: 7, error: /^src "not-an-address"/ });
  t.match(lines[5], { line: 8, error: /3 fields/ });
  const good = await sanso(['audit', GOOD, ...IF, '--flows', '-'], '10.20.100.1,8.8.8.8,udp/53\n');
  const g = JSON.parse(good.out);
  t.same(g.device, { action: 'drop', file: null, line: null, text: null, chain: 'FORWARD' });
  t.equal(g.agree, true);
  t.equal(good.code, 0);
});

t.test('bad input: FILE:LINE:COL, exit 1, no stack trace', async (t) => {
  const missing = await sanso(['audit', join(tmp, 'nope.save'), ...IF]);
  t.equal(missing.code, 2, 'a path that does not exist is a usage error');
  t.match(missing.err, /DEVICE .*nope\.save does not exist/);

  const text = readFileSync(GOOD, 'utf8').replace('-A FORWARD -j LOG', '-A FORWARD -m time --timestart 09:00 -j LOG');
  const unsupported = write('time.save', text);
  const u = await sanso(['audit', unsupported, ...IF]);
  t.equal(u.code, 1);
  t.match(u.err, new RegExp(`${unsupported.replace(/[.]/g, '\\.')}:\\d+:\\d+: error DEVICE-UNSUPPORTED`));
  noStack(t, u.err);
  const lenient = await sanso(['audit', unsupported, ...IF, '--lenient', '--format', 'json']);
  t.equal(lenient.code, 0);
  t.match(lenient.err, /warning DEVICE-UNSUPPORTED/);
  t.match(lenient.err, 'the verdict may be incomplete');
  t.match(JSON.parse(lenient.out), { incomplete: true, warnings: [{ code: 'DEVICE-UNSUPPORTED' }] });
  const lenientText = await sanso(['audit', unsupported, ...IF, '--lenient']);
  t.match(lenientText.out, 'the verdict may be incomplete');

  const noIf = await sanso(['audit', GOOD, '--as-of', '2026-11-30']);
  t.equal(noIf.code, 1);
  t.match(noIf.err, `${GOOD}:12:1: error AUDIT-INTERFACE-UNMAPPED input interface or zone "mn0" needs an interfaces file`);
  const partial = write('if.yaml', 'mn0: [mn-servers, mn-import, mn-terminals]\nlg0: [tier:lgwan]\n');
  const p = await sanso(['audit', GOOD, '--interfaces', partial]);
  t.equal(p.code, 1);
  t.match(p.err, /error AUDIT-INTERFACE-UNMAPPED interface or zone "mnwan" is not in the interfaces file/);

  const badIf = write('bad-if.yaml', 'lg0: [lg-clients]\nwan:\n  - outside\n  - lg-terminalz\nmn0: [lg-clients]\n');
  const b = await sanso(['audit', GOOD, '--interfaces', badIf]);
  t.equal(b.code, 1);
  t.match(b.err, `${badIf}:4:5: error AUDIT-INTERFACES-INVALID unknown segment or group "lg-terminalz"`);
  t.match(b.err, `${badIf}:5:7: error AUDIT-INTERFACES-INVALID segment lg-terminals (through "lg-clients") is already behind interface lg0`);
  const shape = write('shape.yaml', 'lg0: lg-clients\n"bad name": [outside]\n');
  const s = await sanso(['audit', GOOD, '--interfaces', shape]);
  t.equal(s.code, 1);
  t.match(s.err, `${shape}:1:6: error AUDIT-INTERFACES-INVALID`);
  t.match(s.err, `${shape}:2:1: error AUDIT-INTERFACES-INVALID interface name "bad name"`);
  noStack(t, b.err + s.err);

  const junk = write('junk.txt', 'hello firewall\n');
  const j = await sanso(['audit', junk, ...IF]);
  t.equal(j.code, 1);
  t.match(j.err, 'cannot tell which device wrote this');
  const wrong = await sanso(['audit', junk, ...IF, '--device-format', 'nft']);
  t.equal(wrong.code, 1);
  t.match(wrong.err, /junk\.txt:1:1: error DEVICE-SYNTAX/);
  // An iptables dump read as another device's export is refused line by line, never guessed at.
  const vendor = await sanso(['audit', GOOD, ...IF, '--device-format', 'panos']);
  t.equal(vendor.code, 1);
  t.match(vendor.err, /iptables-compliant\.save:\d+:1: error DEVICE-SYNTAX/);
});

t.test('usage errors exit 2', async (t) => {
  for (const args of [
    ['audit'],
    ['audit', GOOD, '--format', 'xml'],
    ['audit', GOOD, '--device-format', 'cisco'],
    ['audit', GOOD, '--max-findings', '0'],
    ['audit', GOOD, '--flows', '-', '--format', 'sarif'],
    ['audit', GOOD, '--bogus'],
  ]) {
    const r = await sanso(args);
    t.equal(r.code, 2, args.join(' '));
  }
  const h = await sanso(['audit', '--help']);
  t.equal(h.code, 0);
  t.match(h.out, 'usage: sanso audit DEVICE...');
});
