/** `sanso validate` in-process through main(): exit codes, flags, where each part of the output goes. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sanso } from './run.js';
import { validateSarif } from '../report/sarif-schema.js';

const tmp = mkdtempSync(join(tmpdir(), 'sanso-validate-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const broken = join(tmp, 'broken.yaml');
writeFileSync(broken, 'segments:\n- [\n');

t.test('the sample city is valid: exit 0 in every format', async (t) => {
  for (const format of ['text', 'json', 'sarif', 'github', 'junit']) {
    const r = await sanso(['validate', 'rules/', '--format', format]);
    t.equal(r.code, 0, `${format}: ${r.out}${r.err}`);
  }
  const r = await sanso(['validate', 'rules/', '--format', 'json']);
  const doc = JSON.parse(r.out);
  t.equal(doc.ok, true);
  t.equal(doc.errors, 0);
  t.ok(doc.files.length > 1, 'reads every file of the directory');
  t.match(doc.policyVersion, /^sha256:[0-9a-f]{64}$/);
});

t.test('text: problem lines on stdout, the summary on stderr', async (t) => {
  const r = await sanso(['validate', broken]);
  t.equal(r.code, 1);
  t.ok(r.out.startsWith(`${broken}:3:1: error YAML-SYNTAX `), r.out);
  t.match(r.err, /^1 error, 0 warnings in 1 file\n/);
});

t.test('text: stderr ends by naming the files read, and says when errors stopped the semantic checks', async (t) => {
  const ok = await sanso(['validate', 'rules/']);
  const names = readdirSync('rules')
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => join('rules/', n));
  t.equal(ok.out, '', 'stdout stays problem lines only');
  t.equal(ok.err.split('\n').at(-2), `read ${names.length} files: ${names.join(', ')}`);
  t.notMatch(ok.err, /^note:/m);
  const r = await sanso(['validate', broken]);
  t.equal(r.out.trimEnd().split('\n').length, 1, 'one problem line on stdout');
  const lines = r.err.trimEnd().split('\n');
  t.equal(lines.length, 3);
  t.equal(lines[0], '1 error, 0 warnings in 1 file');
  t.equal(lines[1], 'note: semantic checks (names, flows, exceptions, the tier model) were not run because 1 file has syntax or schema errors; they run once those are fixed');
  t.equal(lines[2], `read 1 file: ${broken}`);
  // a semantic problem is reported after a full check: no note
  const dup = join(tmp, 'dup-cidr.yaml');
  writeFileSync(dup, 'segments:\n  - { name: a, tier: lgwan, cidrs: [10.0.0.0/24] }\n  - { name: b, tier: lgwan, cidrs: [10.0.0.0/24] }\n');
  const sem = await sanso(['validate', dup]);
  t.equal(sem.code, 1);
  t.match(sem.out, /CIDR-DUPLICATE/);
  t.notMatch(sem.err, /^note:/m);
  const json = await sanso(['validate', broken, '--format', 'json']);
  t.equal(json.err, `1 error, 0 warnings in 1 file\n${lines[1]}\n`, 'machine formats: the summary and the note, no file list');
  t.same(JSON.parse(json.out).semanticChecks, { ran: false, blockedBy: [broken], note: lines[1]!.slice('note: '.length) });
  const semJson = await sanso(['validate', dup, '--format', 'json']);
  t.notMatch(semJson.err, /note:/);
  t.same(JSON.parse(semJson.out).semanticChecks, { ran: true });
});

t.test('machine formats print only their document on stdout', async (t) => {
  const json = await sanso(['validate', broken, '--format', 'json']);
  t.equal(json.code, 1);
  t.same(
    JSON.parse(json.out).problems.map((p: { code: string }) => p.code),
    ['YAML-SYNTAX'],
  );
  const sarif = await sanso(['validate', broken, '--format', 'sarif']);
  t.equal(sarif.code, 1);
  t.ok(validateSarif(JSON.parse(sarif.out)), JSON.stringify(validateSarif.errors));
  const junit = await sanso(['validate', broken, '--format', 'junit']);
  t.match(junit.out, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
  const gh = await sanso(['validate', broken, '--format', 'github']);
  t.match(gh.out, /^::error file=[^\n]*,title=YAML-SYNTAX::[^\n]*\n::notice title=[^\n]*::semantic checks [^\n]* were not run [^\n]*\n$/);
});

t.test("a path that does not exist is a usage error (exit 2), with validate's usage only", async (t) => {
  const missing = join(tmp, 'missing');
  const r = await sanso(['validate', missing, '--format', 'json']);
  t.equal(r.code, 2);
  t.equal(r.out, '', 'no report: nothing was validated');
  t.ok(r.err.startsWith(`sanso: PATH ${missing} does not exist\nusage: sanso validate`), r.err);
  t.notMatch(r.err, /commands:/, 'not the usage of every command');
});

t.test('PATHs override --rules; --rules is the default path', async (t) => {
  t.equal((await sanso(['validate', '--rules', join(tmp, 'missing'), 'rules/'])).code, 0);
  const r = await sanso(['validate', '--rules', join(tmp, 'missing')]);
  t.equal(r.code, 2);
  t.match(r.err, /--rules .*missing does not exist/);
  // no PATH and no --rules: rules/ of the working directory (this repository's sample city)
  const def = await sanso(['validate', '--format', 'json']);
  const explicit = await sanso(['validate', 'rules/', '--format', 'json']);
  t.equal(def.code, 0);
  t.equal(JSON.parse(def.out).policyVersion, JSON.parse(explicit.out).policyVersion);
});

t.test('warnings pass, and fail with --strict', async (t) => {
  // The sample city's exception expires 2027-09-30: judged later, it is an expired-exception warning.
  const late = ['validate', 'rules/', '--as-of', '2099-01-01'];
  const r = await sanso([...late, '--format', 'json']);
  const doc = JSON.parse(r.out);
  t.equal(doc.errors, 0);
  t.ok(
    doc.problems.some((p: { code: string }) => p.code === 'EXCEPTION-EXPIRED'),
    'an expired exception is reported',
  );
  t.equal(r.code, 0);
  t.equal(doc.ok, true);
  const strict = await sanso([...late, '--format', 'json', '--strict']);
  t.equal(strict.code, 1);
  t.equal(JSON.parse(strict.out).ok, false);
  const text = await sanso([...late, '--strict']);
  t.equal(text.code, 1);
  t.match(text.out, /: warning EXCEPTION-EXPIRED /);
});

t.test('usage errors exit 2', async (t) => {
  const fmt = await sanso(['validate', '--format', 'xml']);
  t.equal(fmt.code, 2);
  t.match(fmt.err, /--format takes text, json, sarif, github, junit, not "xml"/);
  t.equal(fmt.out, '');
  t.equal((await sanso(['validate', '--bogus'])).code, 2);
  t.equal((await sanso(['validate', '--as-of', '2026-02-30'])).code, 2);
  t.equal((await sanso(['validate', '--format'])).code, 2, 'a flag without its value');
});

t.test('--help', async (t) => {
  const r = await sanso(['validate', '--help']);
  t.equal(r.code, 0);
  t.match(r.out, /^usage: sanso validate \[PATH\.\.\.\]/);
  t.match(r.out, /--format text\|json\|sarif\|github\|junit/);
});

t.test('--output writes the report to a file, stdout stays empty', async (t) => {
  const out = join(tmp, 'report.json');
  const r = await sanso(['validate', broken, '--format', 'json', '--output', out]);
  t.equal(r.code, 1);
  t.equal(r.out, '');
  t.match(r.err, /^1 error, 0 warnings in 1 file\nnote: semantic checks .*\n$/);
  t.equal(JSON.parse(readFileSync(out, 'utf8')).errors, 1);
  const bad = await sanso(['validate', 'rules/', '--output', join(tmp, 'no', 'such', 'dir', 'x.txt')]);
  t.equal(bad.code, 2);
  t.match(bad.err, /cannot write .*x\.txt: ENOENT/);
});

t.test('github and sarif paths are relative to $GITHUB_WORKSPACE when set', async (t) => {
  const parent = join(process.cwd(), '..');
  const name = process.cwd().slice(parent.length + 1);
  const env = { GITHUB_WORKSPACE: parent };
  const gh = await sanso(['validate', 'rules/', '--as-of', '2099-01-01', '--format', 'github'], '', env);
  t.match(gh.out, new RegExp(`^::warning file=${name}/rules/50-exceptions\\.yaml,line=\\d+,col=\\d+,title=EXCEPTION-EXPIRED::`, 'm'));
  const sarif = JSON.parse((await sanso(['validate', 'rules/', '--as-of', '2099-01-01', '--format', 'sarif'], '', env)).out);
  const uris = sarif.runs[0].results.map((r: any) => r.locations[0].physicalLocation.artifactLocation.uri);
  t.ok(uris.includes(`${encodeURIComponent(name)}/rules/50-exceptions.yaml`), uris.join(' '));
});

t.test('EXCEPTION-EXPIRING: within 30 days by default, --warn-expiring DAYS, 0 turns it off', async (t) => {
  // The sample city's exception expires 2027-09-30.
  const codes = async (...args: string[]) => {
    const r = await sanso(['validate', 'rules/', '--format', 'json', ...args]);
    return JSON.parse(r.out).problems.map((p: { code: string; message: string }) => `${p.code}: ${p.message}`);
  };
  t.same(await codes('--as-of', '2027-08-30'), [], '31 days left: quiet');
  const at30 = await codes('--as-of', '2027-08-31');
  t.equal(at30.length, 1);
  t.match(at30[0], /^EXCEPTION-EXPIRING: exception \S+ expires on 2027-09-30, in 30 days \(as of 2027-08-31\)/);
  t.match((await codes('--as-of', '2027-09-30'))[0], /in 0 days/, 'the last day it applies');
  t.match((await codes('--as-of', '2027-10-01'))[0], /^EXCEPTION-EXPIRED/, 'then expired, not expiring');
  t.same(await codes('--as-of', '2027-09-20', '--warn-expiring', '5'), []);
  t.equal((await codes('--as-of', '2027-09-20', '--warn-expiring', '10')).length, 1);
  t.same(await codes('--as-of', '2027-09-30', '--warn-expiring', '0'), [], '0: off');
  const strict = await sanso(['validate', 'rules/', '--strict', '--as-of', '2027-09-20']);
  t.equal(strict.code, 1, 'a warning: fails under --strict');
  const bad = await sanso(['validate', 'rules/', '--warn-expiring', 'soon']);
  t.equal(bad.code, 2);
  t.match(bad.err, /--warn-expiring takes a number of days/);
  t.match((await sanso(['validate', '--help'])).out, /--warn-expiring DAYS[\s\S]*--lang en\|ja/);
});
