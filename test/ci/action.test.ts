/**
 * action.yml, the composite GitHub Action: its shell steps are run here as the runner would run
 * them (bash -e -o pipefail, the step's env, GITHUB_OUTPUT and friends as files), against a
 * throw-away origin repository whose main branch holds the sample city and whose pull-request
 * branch holds examples/ci/city-v2. `node "$SANSO"` runs the TypeScript CLI through the test
 * loader; `gh` is a stand-in that records what it was asked. Also: every run script parses, and
 * no script pastes an expression (${{ … }}) into shell text.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t from 'tap';
import YAML from 'yaml';
import { COMMENT_MARKER } from '../../src/diff/markdown.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
}
const action = YAML.parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: { using: string; steps: Step[] }; inputs: Record<string, { default?: string }> };
const steps = action.runs.steps;
const step = (id: string): Step => steps.find((s) => s.id === id || s.name === id)!;

t.test('a composite action whose scripts parse and take inputs only through env', async (t) => {
  t.equal(action.runs.using, 'composite');
  for (const s of steps) {
    if (!s.run) continue;
    t.notMatch(s.run, /\$\{\{/, `${s.name}: no expression pasted into the script`);
    const r = spawnSync('bash', ['-n', '-c', s.run]);
    t.equal(r.status, 0, `${s.name}: bash -n ${r.stderr}`);
  }
  t.match(step('Post or update the pull-request comment').run, `startswith("${COMMENT_MARKER}")`);
  t.ok(
    steps.some((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@')),
    'uploads SARIF',
  );
  t.equal(action.inputs.rules?.default, 'rules/');
});

/** Runs one step's script as the runner would; returns its outputs and streams. */
function runStep(s: Step, cwd: string, env: Record<string, string>): { status: number; stdout: string; stderr: string; outputs: Record<string, string> } {
  const outFile = join(env.RUNNER_TEMP!, `output-${Math.random().toString(36).slice(2)}`);
  writeFileSync(outFile, '');
  const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', s.run!], { cwd, env: { ...process.env, ...env, GITHUB_OUTPUT: outFile }, encoding: 'utf8' });
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(outFile, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, outputs };
}

t.test('the diff and comment steps on a pull request', { timeout: 240_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'sanso-action-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const origin = join(work, 'origin.git');
  const seed = join(work, 'seed');
  mkdirSync(seed);
  git(seed, 'init', '-q', '-b', 'main');
  cpSync(join(ROOT, 'rules'), join(seed, 'rules'), { recursive: true });
  git(seed, 'add', '.');
  git(seed, 'commit', '-q', '-m', 'v1');
  git(seed, 'branch', 'empty');
  git(work, 'clone', '-q', '--bare', seed, origin);
  // The runner's checkout: a shallow clone of the pull-request branch.
  const checkout = join(work, 'checkout');
  git(work, 'clone', '-q', pathToFileURL(origin).href, checkout);
  git(checkout, 'checkout', '-q', '-b', 'pr');
  rmSync(join(checkout, 'rules'), { recursive: true });
  cpSync(join(ROOT, 'examples/ci/city-v2'), join(checkout, 'rules'), { recursive: true });
  git(checkout, 'add', '.');
  git(checkout, 'commit', '-q', '-m', 'v2');
  git(checkout, 'update-ref', '-d', 'refs/remotes/origin/main');

  const temp = join(work, 'runner-temp');
  mkdirSync(temp);
  const summary = join(temp, 'summary.md');
  writeFileSync(summary, '');
  const base = {
    RUNNER_TEMP: temp,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_WORKSPACE: checkout,
    SANSO: join(ROOT, 'bin/sanso.ts'),
    // The TypeScript loader the tests run under (test/loader.mjs), so bin/sanso.ts runs unbuilt.
    NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test/loader.mjs')).href}`,
  };
  const diffEnv = { ...base, RULES: 'rules/', BASE: 'main', AS_OF: '2026-11-30', LANG_: 'en', FAIL_ON: 'newly-allowed' };
  const diff = runStep(step('diff'), checkout, diffEnv);
  t.equal(diff.status, 0, diff.stderr);
  t.same(
    { a: diff.outputs['newly-allowed'], d: diff.outputs['newly-denied'], r: diff.outputs['reason-changed'], fail: diff.outputs.fail },
    { a: '6', d: '5', r: '0', fail: 'true' },
  );
  t.match(diff.stdout, /^::warning file=rules\/40-flows\.yaml,line=172,/m, 'annotation on F-137 in the checkout');
  const comment = readFileSync(diff.outputs.comment!, 'utf8');
  t.ok(comment.startsWith(`${COMMENT_MARKER}\n### sanso diff: 6 newly allowed, 5 newly denied, 0 reason changed`));
  t.match(comment, '`git:origin/main:rules`');
  t.match(readFileSync(summary, 'utf8'), COMMENT_MARKER, 'the report is the step summary');
  t.same(git(checkout, 'status', '--porcelain'), '', 'the checkout is untouched');

  // A base branch without the rule directory: a notice, no failure, no comment.
  const none = runStep(step('diff'), checkout, { ...diffEnv, BASE: 'empty', RULES: 'other/' });
  t.equal(none.status, 0, none.stderr);
  t.match(none.stdout, '::notice title=sanso diff::empty has no other yet');
  t.notOk(none.outputs.comment);

  // The comment step: a stand-in gh that finds an earlier comment (PATCH) or none (POST).
  const bin = join(work, 'bin');
  mkdirSync(bin);
  const log = join(work, 'gh.log');
  writeFileSync(join(bin, 'gh'), `#!/usr/bin/env bash\necho "$*" >> "${log}"\nif [ "$1 $2" = "api --paginate" ]; then [ -n "$GH_FOUND" ] && echo 4242; fi\nexit 0\n`);
  chmodSync(join(bin, 'gh'), 0o755);
  const commentEnv = { ...base, PATH: `${bin}:${process.env.PATH}`, GH_TOKEN: 't', REPO: 'city/rules', PR: '7', BODY: diff.outputs.comment! };
  t.equal(runStep(step('Post or update the pull-request comment'), checkout, { ...commentEnv, GH_FOUND: '1' }).status, 0);
  t.equal(runStep(step('Post or update the pull-request comment'), checkout, { ...commentEnv, GH_FOUND: '' }).status, 0);
  const calls = readFileSync(log, 'utf8').trim().split('\n');
  t.match(calls[0], 'api --paginate repos/city/rules/issues/7/comments');
  t.equal(calls[1], `api -X PATCH repos/city/rules/issues/comments/4242 -F body=@${diff.outputs.comment} --silent`);
  t.equal(calls[3], `api -X POST repos/city/rules/issues/7/comments -F body=@${diff.outputs.comment} --silent`);
});

t.test('the example workflow only sets inputs the action has', async (t) => {
  const wf = YAML.parse(readFileSync(join(ROOT, 'examples/ci/github/sanso.yml'), 'utf8')) as {
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
  };
  const uses = Object.values(wf.jobs)
    .flatMap((j) => j.steps)
    .filter((s) => /\/sanso@/.test(s.uses ?? ''));
  t.equal(uses.length, 1);
  for (const key of Object.keys(uses[0]!.with ?? {})) t.ok(Object.hasOwn(action.inputs, key), `input ${key}`);
  const gitlab = YAML.parse(readFileSync(join(ROOT, 'examples/ci/gitlab/.gitlab-ci.yml'), 'utf8')) as { sanso: { script: string[] } };
  const script = gitlab.sanso.script.join('\n');
  t.match(script, COMMENT_MARKER, 'the GitLab job finds its note by the same marker');
  t.equal(spawnSync('bash', ['-n', '-c', script]).status, 0, 'the GitLab script parses');
});

t.test('the GitLab job keeps one merge-request note', async (t) => {
  const gitlab = YAML.parse(readFileSync(join(ROOT, 'examples/ci/gitlab/.gitlab-ci.yml'), 'utf8')) as { sanso: { script: string[] } };
  const script = gitlab.sanso.script.join('\n');
  const m = /node --input-type=module -e '([\s\S]*?)'\n/.exec(script);
  t.ok(m, 'the note is posted by an inline node script');
  const { createServer } = await import('node:http');
  const seen: { method: string; url: string; body: string }[] = [];
  let notes: { id: number; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      t.equal(req.headers['private-token'], 'secret');
      res.setHeader('content-type', 'application/json');
      res.end(req.method === 'GET' ? JSON.stringify(notes) : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'sanso-gitlab-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'sanso-diff.md'), `${COMMENT_MARKER}\nthe report\n`);
  const env = { ...process.env, CI_API_V4_URL: `http://127.0.0.1:${port}/api/v4`, CI_PROJECT_ID: '12', CI_MERGE_REQUEST_IID: '3', SANSO_GITLAB_TOKEN: 'secret' };
  const run = () =>
    new Promise<number>((resolve) => {
      execFile('node', ['--input-type=module', '-e', m![1]!], { cwd: dir, env }, (e) => resolve(e ? 1 : 0));
    });
  // No note of ours yet: POST. One there (after someone else's): PUT to it.
  notes = [{ id: 1, body: 'LGTM' }];
  t.equal(await run(), 0);
  notes = [
    { id: 1, body: 'LGTM' },
    { id: 9, body: `${COMMENT_MARKER}\nold report` },
  ];
  t.equal(await run(), 0);
  const writes = seen.filter((s) => s.method !== 'GET');
  t.same(
    writes.map((w) => [w.method, w.url]),
    [
      ['POST', '/api/v4/projects/12/merge_requests/3/notes'],
      ['PUT', '/api/v4/projects/12/merge_requests/3/notes/9'],
    ],
  );
  t.same(JSON.parse(writes[1]!.body), { body: `${COMMENT_MARKER}\nthe report\n` });
});
