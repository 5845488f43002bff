/**
 * The docs cannot drift from what sanso does: every `$ sanso …` line in a ```console block of
 * the pages that teach commands is run in-process and its standard output compared with the
 * lines that follow it (`…` stands for any text, such as a policy version). A trailing
 * `# exit N` is the exit code it must give. Commands without --as-of are judged on AS_OF, the
 * date the pages were written on. The files in examples/ that the HTTP page uses are sent to a
 * real server with the example tokens.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { sanso } from '../cli/run.js';
import { loadTokens } from '../../src/http/auth.js';
import { buildServer } from '../../src/http/server.js';

const PAGES = ['docs/tutorial.md', 'docs/ja/tutorial.md', 'docs/validate.md', 'docs/ja/validate.md', 'docs/check.md'];
const AS_OF = '2026-12-01';

export interface Transcript {
  page: string;
  line: number;
  args: string[];
  exit: number | null;
  expected: string[];
}

/** Shell-like words: spaces split, double or single quotes group (no escapes, no variables). */
function words(s: string): string[] {
  return [...s.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

export function transcripts(page: string, text: string): Transcript[] {
  const out: Transcript[] = [];
  const lines = text.split('\n');
  let inConsole = false;
  let current: Transcript | null = null;
  lines.forEach((line, i) => {
    if (!inConsole) {
      if (line.trim() === '```console') inConsole = true;
      return;
    }
    if (line.trim() === '```') {
      inConsole = false;
      current = null;
      return;
    }
    const cmd = /^\$ sanso (.*?)(?:\s+# exit (\d+))?\s*$/.exec(line);
    if (cmd) {
      current = { page, line: i + 1, args: words(cmd[1]!), exit: cmd[2] === undefined ? null : Number(cmd[2]), expected: [] };
      out.push(current);
    } else if (current !== null) current.expected.push(line);
  });
  return out;
}

function matches(expected: string, actual: string): boolean {
  const pattern = expected
    .split('…')
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(actual);
}

for (const page of PAGES) {
  t.test(`the commands in ${page} print what the page shows`, async (t) => {
    const all = transcripts(page, readFileSync(page, 'utf8'));
    t.ok(all.length >= 3, `${page} shows commands (${all.length})`);
    for (const x of all) {
      const args = x.args.includes('--as-of') || x.args[0] === 'serve' ? x.args : [...x.args, '--as-of', AS_OF];
      const run = await sanso(args);
      const where = `${page}:${x.line}: sanso ${x.args.join(' ')}`;
      if (x.exit !== null) t.equal(run.code, x.exit, `${where}: exit code`);
      const got = run.out === '' ? [] : run.out.replace(/\n$/, '').split('\n');
      const want = x.expected;
      if (got.length !== want.length) t.fail(`${where}: shows ${want.length} lines, prints ${got.length}:\n${run.out}`);
      else t.pass(`${where}: ${want.length} lines`);
      for (let i = 0; i < Math.min(got.length, want.length); i++) {
        if (!matches(want[i]!, got[i]!)) t.fail(`${where}: line ${i + 1}\n  shown: ${want[i]}\n  got:   ${got[i]}`);
      }
    }
  });
}

t.test('transcripts are read as written: command, exit code, expected lines', async (t) => {
  const page = ['text', '```console', '$ sanso decide a b c   # exit 3', 'DENY …', '  line two', '$ sanso validate "x y"', '```', '$ sanso not-in-a-block'].join('\n');
  t.same(transcripts('p.md', page), [
    { page: 'p.md', line: 3, args: ['decide', 'a', 'b', 'c'], exit: 3, expected: ['DENY …', '  line two'] },
    { page: 'p.md', line: 6, args: ['validate', 'x y'], exit: null, expected: [] },
  ]);
  t.ok(matches('ALLOW … F-120: …', 'ALLOW GRANTED F-120: 10.20.100.5'));
  t.notOk(matches('ALLOW … F-120', 'ALLOW GRANTED F-121'), 'a wildcard does not swallow a difference');
});

t.test('the HTTP examples: example tokens and bodies against the sample city', async (t) => {
  const tokens = loadTokens('examples/tokens.example.yaml', {});
  t.same(tokens.errors, [], 'the example token list is valid');
  const app = await buildServer({ rulesPath: 'rules/', tokens: tokens.tokens, asOf: AS_OF, watch: false, logger: false });
  t.teardown(() => app.close());
  const bearer = (name: string) => ({ authorization: `Bearer example-${name}-token-do-not-use` });
  const body = (f: string) => readFileSync(`examples/http/${f}`, 'utf8');
  const json = { 'content-type': 'application/json' };

  const d = await app.inject({ method: 'POST', url: '/v1/decide', headers: { ...bearer('ci'), ...json }, payload: body('decide.json') });
  t.equal(d.statusCode, 200);
  t.match(d.json(), { decision: 'allow', code: 'GRANTED', rule: 'F-120', sanitizer: { segment: 'inet-vbrowser', method: 'screen-transfer' } });

  const ja = await app.inject({ method: 'POST', url: '/v1/decide', headers: { ...bearer('ci'), ...json, 'accept-language': 'ja' }, payload: body('decide-split-path.json') });
  t.match(ja.json(), { decision: 'deny', code: 'SPLIT-PATH', message: /通信経路/ });

  const b = await app.inject({ method: 'POST', url: '/v1/decide/batch', headers: { ...bearer('ci'), ...json }, payload: body('batch.json') });
  const decisions = (b.json() as { decisions: Record<string, unknown>[] }).decisions;
  t.match(decisions, [{ code: 'GRANTED' }, { index: 1, error: /^dst "172\.16\.9\.010": an IPv4 octet has a leading zero/ }]);

  const n = await app.inject({ method: 'POST', url: '/v1/decide/batch', headers: { ...bearer('ci'), 'content-type': 'application/x-ndjson' }, payload: body('flows.ndjson') });
  t.same(
    n.body
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { code: string }).code),
    ['GRANTED', 'SPLIT-PATH', 'EXCEPTION'],
  );

  const c = await app.inject({ method: 'POST', url: '/v1/check', headers: { ...bearer('ci'), ...json }, payload: body('check.json') });
  t.match(c.json(), { id: 'CR-2026-0042', verdict: 'violation' });

  const scopes = await app.inject({ method: 'GET', url: '/metrics', headers: bearer('ci') });
  t.equal(scopes.statusCode, 403, 'firewall-ci has no metrics scope');
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: bearer('prometheus') })).statusCode, 200);
  // State-changing routes take a JSON content type even without a body (docs/service.md).
  t.equal((await app.inject({ method: 'POST', url: '/v1/policy/reload', headers: { ...bearer('netops'), 'content-type': 'application/json' } })).statusCode, 200);
});
