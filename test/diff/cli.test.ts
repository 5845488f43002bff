/**
 * `sanso diff` on two versions of the sample city: rules/ and examples/ci/city-v2 (whose
 * README lists the changes). Every expected change below was worked out by hand from those
 * changes against the decision algorithm (the comment on each says why), not by running the
 * diff; every witness is replayed through the real lookup of both rule sets. Also: exit codes,
 * git:REF against a throw-away repository (the checkout is left as it was), the github format,
 * and examples/ci/pr-comment.md, which must be exactly what the diff prints today.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import t from 'tap';
import type { DiffResult } from '../../src/diff/types.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { loadPolicy, type LoadedPolicy } from '../../src/policy.js';
import { sanso } from '../cli/run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AS_OF = '2026-11-30';
// Paths as the pr-comment example names them: relative to the repository root.
process.chdir(ROOT);
const V1 = 'rules';
const V2 = 'examples/ci/city-v2';

function load(dir: string): LoadedPolicy {
  const { policy } = loadPolicy([dir], { asOf: AS_OF });
  if (!policy) throw new Error(`${dir} does not load`);
  return policy;
}

type Short = [kind: string, src: string, dst: string, services: string, before: string, after: string];

const short = (r: DiffResult): Short[] =>
  r.changes.map((c) => [
    c.kind,
    c.src.was ? `${c.src.was.segment}>${c.src.segment}` : c.src.segment,
    c.dst.was ? `${c.dst.was.segment}>${c.dst.segment}` : c.dst.segment,
    c.services.join(','),
    `${c.before.code} ${c.before.rule ?? ''}`.trim(),
    `${c.after.code} ${c.after.rule ?? ''}`.trim(),
  ]);

t.test('the sample city before and after one pull request', async (t) => {
  const run = await sanso(['diff', V1, V2, '--as-of', AS_OF, '--format', 'json']);
  t.equal(run.code, 0, run.err);
  const r = JSON.parse(run.out) as DiffResult;
  t.same(r.counts, { 'newly-allowed': 6, 'newly-denied': 5, 'reason-changed': 0 });
  t.equal(r.myNumber, 1);
  t.equal(r.truncated, false);
  t.equal(r.old.policyVersion, load(V1).version);
  t.equal(r.new.policyVersion, load(V2).version);
  t.same(short(r), [
    // F-137: a new allow inside the internet tier, whose default is deny.
    ['newly-allowed', 'inet-mail-relay', 'sec-cloud', 'tcp/443', 'NO-GRANT', 'GRANTED F-137'],
    // lg-printers left lg-terminals and so the lg-clients group: F-001 (deny lg-clients → the
    // servers and lg-mn-sanitizer, ssh and rdp) no longer holds it, and the LGWAN default allows.
    ['newly-allowed', 'lg-terminals>lg-printers', 'lg-fileserver', 'tcp/22,tcp/3389', 'EXPLICIT-DENY F-001', 'DEFAULT-ALLOW'],
    ['newly-allowed', 'lg-terminals>lg-printers', 'lg-groupware', 'tcp/22,tcp/3389', 'EXPLICIT-DENY F-001', 'DEFAULT-ALLOW'],
    ['newly-allowed', 'lg-terminals>lg-printers', 'lg-mail', 'tcp/22,tcp/3389', 'EXPLICIT-DENY F-001', 'DEFAULT-ALLOW'],
    ['newly-allowed', 'lg-terminals>lg-printers', 'lg-mn-sanitizer', 'tcp/22,tcp/3389', 'EXPLICIT-DENY F-001', 'DEFAULT-ALLOW'],
    // F-002 (deny lgwan-asp → lg-clients, any) no longer covers it either.
    ['newly-allowed', 'lgwan-asp', 'lg-terminals>lg-printers', 'any', 'EXPLICIT-DENY F-002', 'DEFAULT-ALLOW'],
    // F-120 / F-121 grant lg-clients the sanitizers: the bridge still lifts SPLIT-PATH for the
    // printers, but nothing grants them: NO-GRANT.
    ['newly-denied', 'lg-terminals>lg-printers', 'inet-file-sanitizer', 'tcp/443', 'GRANTED F-121', 'NO-GRANT'],
    ['newly-denied', 'lg-terminals>lg-printers', 'inet-vbrowser', 'tcp/443', 'GRANTED F-120', 'NO-GRANT'],
    // F-003: plain http from staff terminals to LGWAN-ASP, which the LGWAN default allowed.
    ['newly-denied', 'lg-terminals', 'lgwan-asp', 'tcp/80', 'DEFAULT-ALLOW', 'EXPLICIT-DENY F-003'],
    ['newly-denied', 'lg-terminals-annex', 'lgwan-asp', 'tcp/80', 'DEFAULT-ALLOW', 'EXPLICIT-DENY F-003'],
    // EX-2026-01 removed: the tax server's SMB export falls back under MN-ISOLATION.
    ['newly-denied', 'mn-zeimu', 'lg-fileserver', 'tcp/445', 'EXCEPTION EX-2026-01', 'MN-ISOLATION'],
  ]);
  t.same(
    r.changes.map((c) => c.myNumber),
    [false, false, false, false, false, false, false, false, false, false, true],
  );

  // Every witness, through the real lookup of each version.
  const old = load(V1);
  const now = load(V2);
  const out = new FlowResult();
  for (const c of r.changes) {
    for (const [p, want, seg] of [
      [old, c.before, c.src.was?.segment ?? c.src.segment],
      [now, c.after, c.src.segment],
    ] as const) {
      t.ok(resolveFlow(p.table, c.witness.src, c.witness.dst, c.witness.service, out), `witness ${c.witness.src} ${c.witness.dst} ${c.witness.service}`);
      const d = p.table.decision(out.decision);
      t.same({ decision: d.decision, code: d.code, rule: d.ruleId }, want);
      t.equal(p.model.segments[out.srcSeg]!.name, seg);
    }
  }
});

t.test('--format json follows schemas/api/diff-result.json', async (t) => {
  const Ajv = AjvModule.default ?? AjvModule;
  const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas/api/diff-result.json'), 'utf8')) as object);
  for (const args of [
    [V1, V2],
    [V2, V1],
    [V1, V1],
    [V1, V2, '--max-changes', '1'],
  ]) {
    const r = JSON.parse((await sanso(['diff', ...args, '--as-of', AS_OF, '--format', 'json'])).out) as unknown;
    t.ok(validate(r), `${args.join(' ')}: ${JSON.stringify(validate.errors)}`);
  }
  t.notOk(validate({ old: {}, new: {}, counts: {}, myNumber: 0, truncated: false, changes: [] }), 'the schema refuses a hollow object');
});

t.test('the same rules, or a date that changes nothing, report nothing', async (t) => {
  const run = await sanso(['diff', V1, V1, '--as-of', AS_OF, '--format', 'json', '--fail-on', 'any']);
  t.equal(run.code, 0);
  const r = JSON.parse(run.out) as DiffResult;
  t.same(r.changes, []);
  t.same(r.counts, { 'newly-allowed': 0, 'newly-denied': 0, 'reason-changed': 0 });
  const text = await sanso(['diff', V1, V1, '--as-of', AS_OF]);
  t.match(text.out, 'No flow changes its decision.');
});

t.test('exceptions judged on a date: the last day and the day after', async (t) => {
  // EX-2026-01 runs through 2027-09-30; on 2027-10-01 v1 no longer has it either, so removing
  // it changes nothing.
  const last = JSON.parse((await sanso(['diff', V1, V2, '--as-of', '2027-09-30', '--format', 'json'])).out) as DiffResult;
  t.equal(last.counts['newly-denied'], 5);
  const after = JSON.parse((await sanso(['diff', V1, V2, '--as-of', '2027-10-01', '--format', 'json'])).out) as DiffResult;
  t.equal(after.counts['newly-denied'], 4);
  t.notOk(after.changes.some((c) => c.myNumber));
  t.equal(after.old.asOf, '2027-10-01');
});

t.test('exit codes', async (t) => {
  t.equal((await sanso(['diff', V1, V2, '--as-of', AS_OF, '--fail-on', 'newly-allowed'])).code, 3);
  t.equal((await sanso(['diff', V1, V2, '--as-of', AS_OF, '--fail-on', 'any'])).code, 3);
  // v2 → v1 allows again what v2 denied: newly allowed too.
  t.equal((await sanso(['diff', V2, V1, '--as-of', AS_OF, '--fail-on', 'newly-allowed'])).code, 3);
  t.equal((await sanso(['diff', V1])).code, 2);
  const help = await sanso(['diff', '--help']);
  t.equal(help.code, 0);
  t.match(help.out, /^usage: sanso diff OLD NEW/);
  t.equal((await sanso(['diff', V1, V2, '--format', 'sarif'])).code, 2);
  t.equal((await sanso(['diff', V1, V2, '--fail-on', 'newly-denied'])).code, 2);
  t.equal((await sanso(['diff', V1, V2, '--max-changes', '0'])).code, 2);
  const missing = await sanso(['diff', V1, 'no/such/dir']);
  t.equal(missing.code, 2, 'a path that does not exist is a usage error');
  t.match(missing.err, 'NEW no/such/dir does not exist');
  const bad = await sanso(['diff', 'test/fixtures/bad/CIDR-DUPLICATE.yaml', V1]);
  t.equal(bad.code, 1);
  t.match(bad.err, /CIDR-DUPLICATE/);
  t.match(bad.err, 'the old rule set');
});

t.test('sanso --version is the package version', async (t) => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v', 'version']) {
    const run = await sanso([flag]);
    t.equal(run.code, 0);
    t.equal(run.out, `sanso ${version}\n`);
  }
});

t.test('--max-changes lists fewer, counts stay exact', async (t) => {
  const r = JSON.parse((await sanso(['diff', V1, V2, '--as-of', AS_OF, '--format', 'json', '--max-changes', '2'])).out) as DiffResult;
  t.equal(r.changes.length, 2);
  t.equal(r.truncated, true);
  t.same(r.counts, { 'newly-allowed': 6, 'newly-denied': 5, 'reason-changed': 0 });
  t.equal(r.myNumber, 1);
});

t.test('examples/ci/pr-comment.md is what the diff prints', async (t) => {
  const run = await sanso(['diff', V1, V2, '--as-of', AS_OF, '--format', 'markdown']);
  t.equal(run.code, 0);
  const file = join(ROOT, 'examples/ci/pr-comment.md');
  if (process.env.SANSO_WRITE_EXAMPLES === '1') writeFileSync(file, run.out);
  t.equal(readFileSync(file, 'utf8'), run.out, 'regenerate with SANSO_WRITE_EXAMPLES=1 npx tap test/diff/cli.test.ts');
  t.ok(run.out.startsWith('<!-- sanso-diff -->\n'));
});

t.test('github: annotations on the rules that caused changes, markdown as the step summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-diff-summary-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const summary = join(dir, 'summary.md');
  writeFileSync(summary, 'earlier step\n');
  const run = await sanso(['diff', V1, V2, '--as-of', AS_OF, '--format', 'github'], '', { GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: ROOT });
  t.equal(run.code, 0);
  const lines = run.out.trim().split('\n');
  // F-137 (allows) and F-003 (denies) are in the new files; F-001, F-002, F-120, F-121 still
  // exist and decided before; EX-2026-01 is gone, so that change has no line to point at.
  const at = (id: string) => lines.find((l) => l.includes(`::${id}: `));
  t.match(at('F-137'), /^::warning file=examples\/ci\/city-v2\/40-flows\.yaml,line=172,col=\d+,title=sanso diff%3A 1 newly allowed::/);
  t.match(at('F-003'), /^::notice file=examples\/ci\/city-v2\/40-flows\.yaml,line=43,col=\d+,/);
  t.match(at('F-001'), /^::warning .*4 newly allowed/);
  t.ok(at('F-120') && at('F-121') && at('F-002'));
  t.notOk(lines.some((l) => l.includes('EX-2026-01:')));
  t.equal(lines.length, 6);
  const md = readFileSync(summary, 'utf8');
  t.ok(md.startsWith('earlier step\n<!-- sanso-diff -->'), 'appended to the summary');
});

t.test('git:REF reads the rules at a commit and leaves the checkout alone', async (t) => {
  const repo = mkdtempSync(join(tmpdir(), 'sanso-diff-git-'));
  t.teardown(() => rmSync(repo, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  cpSync(join(ROOT, V1), join(repo, 'rules'), { recursive: true });
  git('add', '.');
  git('commit', '-q', '-m', 'v1');
  rmSync(join(repo, 'rules'), { recursive: true });
  cpSync(join(ROOT, V2), join(repo, 'rules'), { recursive: true });
  const before = readFileSync(join(repo, 'rules/40-flows.yaml'), 'utf8');
  const status = git('status', '--porcelain');
  const cwd = process.cwd();
  process.chdir(repo);
  t.teardown(() => process.chdir(cwd));
  const run = await sanso(['diff', 'git:main', 'rules', '--as-of', AS_OF, '--format', 'json']);
  t.equal(run.code, 0, run.err);
  const r = JSON.parse(run.out) as DiffResult;
  t.same(r.counts, { 'newly-allowed': 6, 'newly-denied': 5, 'reason-changed': 0 });
  t.equal(r.old.source, 'git:main:rules');
  t.equal(r.old.policyVersion, load(join(ROOT, V1)).version, 'the same files give the same version');
  t.equal(readFileSync(join(repo, 'rules/40-flows.yaml'), 'utf8'), before);
  t.equal(git('status', '--porcelain'), status, 'the checkout is as it was');
  // --rules names the directory from the working directory; a bad ref or path is bad input.
  const sub = await sanso(['diff', 'git:main', 'git:main', '--rules', 'rules/', '--format', 'json']);
  t.equal(JSON.parse(sub.out).changes.length, 0);
  const noRef = await sanso(['diff', 'git:no-such-branch', 'rules']);
  t.equal(noRef.code, 1);
  t.match(noRef.err, 'git:no-such-branch: no such commit');
  const noDir = await sanso(['diff', 'git:main', 'rules', '--rules', 'elsewhere']);
  t.equal(noDir.code, 1);
  t.match(noDir.err, 'git:main:elsewhere does not exist at main');
  t.equal((await sanso(['diff', 'git:--output=x', 'rules'])).code, 1);
  // A rule set with errors at the commit: its messages name git:REF:path, not a temporary file.
  writeFileSync(join(repo, 'rules/99-bad.yaml'), 'segments:\n  - name: x\n    tier: lgwan\n    cidrs: [10.0.0.1/8]\n');
  git('add', '.');
  git('commit', '-q', '-m', 'bad');
  const bad = await sanso(['diff', 'git:HEAD~1', 'git:HEAD']);
  t.equal(bad.code, 1);
  t.match(bad.err, /^git:HEAD:rules\/99-bad\.yaml:4:\d+: error CIDR-INVALID/m);
  t.notMatch(bad.err, tmpdir());
});
