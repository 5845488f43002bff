/**
 * `sanso check` end to end through the CLI dispatcher: exit codes, the JSON object, the text
 * report, standard input, and every way the input can be bad. Expected verdicts and findings
 * were worked out by hand from test/fixtures/change-requests/rules/hand-city.yaml (see the
 * comments in the request fixtures).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { sanso } from './run.js';

const DIR = fileURLToPath(new URL('../fixtures/change-requests/', import.meta.url));
const RULES = `${DIR}rules`;
const AS_OF = '2026-06-15';

const check = (file: string, ...more: string[]) => sanso(['check', file, '--rules', RULES, '--as-of', AS_OF, ...more]);

const tmp = mkdtempSync(join(tmpdir(), 'sanso-check-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
function write(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

t.test('a violation: exit 3, the JSON object of POST /v1/check', async (t) => {
  const r = await check(`${DIR}good/violation.yaml`, '--json');
  t.equal(r.code, 3, r.err);
  t.equal(r.err, '');
  t.equal(r.out.split('\n').length, 2, 'one line of JSON');
  const o = JSON.parse(r.out);
  t.equal(o.verdict, 'violation');
  t.equal(o.id, 'CR-2026-0042');
  t.match(o.policyVersion, /^sha256:[0-9a-f]{64}$/);
  t.same(
    o.rules.map((x: { verdict: string }) => x.verdict),
    ['violation', 'compliant'],
  );
  t.same(o.rules[0].counts, { 'SPLIT-PATH': 2 });
  t.same(o.rules[0].findings[0].witness, { src: '10.20.0.0', dst: '172.16.1.0', service: 'tcp/443' });
  t.same(o.rules[1].counts, { 'DEFAULT-ALLOW': 2 });
});

t.test('the text report: grouped by verdict, worst first, each finding with its witness', async (t) => {
  const r = await check(`${DIR}good/violation.yaml`);
  t.equal(r.code, 3);
  const lines = r.out.split('\n');
  t.match(lines[0], /^change request CR-2026-0042: VIOLATION/);
  const violation = lines.findIndex((l) => l.startsWith('violation'));
  const compliant = lines.findIndex((l) => l.startsWith('compliant'));
  t.ok(violation > 0 && compliant > violation, 'violations before compliant rules');
  t.match(r.out, /SPLIT-PATH {2}lg-terminals \(lgwan\) → inet-cms \(internet\) {2}e\.g\. 10\.20\.0\.0 → 172\.16\.1\.0 tcp\/443/);
  t.match(r.out, /only sanitized communication is allowed \(5\(3\)イ\)\./);
  t.match(r.out, /rule 1: deny {2}lg-terminals → tier:lgwan {2}tcp\/22/);
  t.match(r.out, /DEFAULT-ALLOW {2}lg-terminals \(lgwan\) → lg-annex \(lgwan\) {2}e\.g\. 10\.20\.0\.0 → 10\.21\.0\.0 tcp\/22/);
});

t.test('in Japanese', async (t) => {
  const r = await check(`${DIR}good/violation.yaml`, '--lang', 'ja');
  t.equal(r.code, 3);
  t.match(r.out, /^変更申請 CR-2026-0042: 違反/);
  t.match(r.out, /lg-terminals \(LGWAN接続系\) → inet-cms \(インターネット接続系\) {2}例 10\.20\.0\.0 → 172\.16\.1\.0 tcp\/443/);
  t.match(r.out, /無害化通信/);
});

t.test('compliant: exit 0; ungranted: exit 3; JSON input; standard input', async (t) => {
  const ok = await check(`${DIR}good/compliant.json`);
  t.equal(ok.code, 0, ok.err);
  t.match(ok.out, /COMPLIANT/);
  const ungranted = await check(`${DIR}good/ungranted.yaml`, '--json');
  t.equal(ungranted.code, 3);
  t.equal(JSON.parse(ungranted.out).verdict, 'ungranted');
  const stdin = await sanso(
    ['check', '-', '--rules', RULES, '--as-of', AS_OF, '--json'],
    '{"rules":[{"src":["mn-term"],"dst":["mn-srv"],"services":["tcp/443"],"action":"allow"}]}',
  );
  t.equal(stdin.code, 0, stdin.err);
  t.same(JSON.parse(stdin.out), {
    verdict: 'compliant',
    policyVersion: JSON.parse(ungranted.out).policyVersion,
    rules: [{ index: 0, verdict: 'compliant', truncated: false, counts: {}, findings: [], action: 'allow', empty: false }],
    id: null,
    asOf: AS_OF,
  });
});

t.test('a bad request: exit 1, each error at its line and column with rule and field', async (t) => {
  const r = await check(`${DIR}bad/mistakes.yaml`);
  t.equal(r.code, 1);
  t.equal(r.out, '');
  const file = `${DIR}bad/mistakes.yaml`;
  const lines = r.err.trim().split('\n');
  t.same(lines.slice(0, -1), [
    `${file}:6:5: error rules[0]: is missing action`,
    `${file}:10:5: error rules[0].acton: unknown key "acton"; did you mean "action"?`,
    `${file}:6:25: error rules[0].src[1]: "10.0.0.1/24": host bits are set (the network is 10.0.0.0/24)`,
    `${file}:7:11: error rules[0].dst[0]: no segment or group named "inet-cmz"; did you mean "inet-cms"?`,
    `${file}:8:23: error rules[0].services[1]: "tcp/9-1": port range is upside down (9 > 1)`,
    `${file}:11:10: error rules[1].src: must not be empty`,
    `${file}:12:11: error rules[1].dst[0]: unknown tier "lgwn"; tiers are mynumber, lgwan, internet, outside; did you mean "tier:lgwan"?`,
    `${file}:14:13: error rules[1].action: must be allow or deny; got "permit"`,
  ]);
  t.match(lines[lines.length - 1], /is not a valid change request \(8 errors\)/);
  const json = await check(`${DIR}bad/mistakes.yaml`, '--json');
  t.equal(json.code, 1);
  const o = JSON.parse(json.out);
  t.same(o.errors[0], { index: 0, field: 'rules[0]', message: 'is missing action', line: 6, col: 5 });
  t.equal(o.errors.length, 8);
});

t.test('unreadable input: exit 1', async (t) => {
  const missing = await check(join(tmp, 'nope.yaml'));
  t.equal(missing.code, 2, 'a path that does not exist is a usage error');
  t.match(missing.err, /FILE .*nope\.yaml does not exist/);
  const syntax = await check(write('syntax.yaml', 'rules: [\n'));
  t.equal(syntax.code, 1);
  t.match(syntax.err, /syntax\.yaml:\d+:\d+: error YAML-SYNTAX/);
  const dup = await check(write('dup.yaml', 'rules: []\nrules: []\n'));
  t.equal(dup.code, 1);
  t.match(dup.err, /YAML-DUPLICATE-KEY/);
  const empty = await check(write('empty.yaml', '# nothing\n'));
  t.equal(empty.code, 1);
  t.match(empty.err, /a change request must be a map/);
});

t.test('a rule set with errors is not loaded: exit 1 with the validator report', async (t) => {
  const rules = write('broken.yaml', 'segments:\n  - name: a\n    tier: lgwn\n    cidrs: [10.0.0.0/8]\n');
  const r = await sanso(['check', `${DIR}good/compliant.json`, '--rules', rules]);
  t.equal(r.code, 1);
  t.match(r.err, /broken\.yaml:3:11: error SCHEMA-VIOLATION/);
  t.match(r.err, /has errors; it is not loaded/);
  t.equal(r.out, '');
});

t.test('usage: exit 2', async (t) => {
  for (const args of [
    ['check'],
    ['check', 'a.yaml', 'b.yaml'],
    ['check', 'a.yaml', '--lang', 'fr'],
    ['check', 'a.yaml', '--as-of', '2026-02-30'],
    ['check', 'a.yaml', '--bogus'],
  ]) {
    const r = await sanso(args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.err, /usage: sanso/);
  }
  const help = await sanso(['check', '--help']);
  t.equal(help.code, 0);
  t.match(help.out, /usage: sanso check FILE/);
});

t.test('the exception date matters: after EX-01 expires, https from outside is a violation', async (t) => {
  const deny = write('exception.yaml', 'rules:\n  - {src: [outside], dst: [inet-cms], services: [https], action: allow}\n');
  // EX-01 is valid through 2027-03-31: the flow is allowed then (compliant), not the day after.
  const before = await sanso(['check', deny, '--rules', RULES, '--as-of', '2027-03-31', '--json']);
  t.equal(before.code, 0, before.err);
  const after = await sanso(['check', deny, '--rules', RULES, '--as-of', '2027-04-01', '--json']);
  t.equal(after.code, 3);
  t.same(JSON.parse(after.out).rules[0].counts, { 'CLOUD-AGGREGATION': 1 });
});
