/**
 * Every way the documentation tells a city to run sanso in CI validates with --strict: a broad
 * cross-tier allow (tier:lgwan → tier:internet any) is only partly forbidden by the tier model,
 * an ALLOW-CEILING-PARTIAL warning, and without --strict it would pass the build. The action's
 * validate step is run on such a rule set with its default inputs (it must fail) and with
 * strict: false (it passes: the fixture really is a warning only, so the first check can fail).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t from 'tap';
import YAML from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BROAD = 'test/fixtures/bad/ALLOW-CEILING-PARTIAL-tiers.yaml';

interface Step {
  id?: string;
  run?: string;
}
const action = YAML.parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: { steps: Step[] }; inputs: Record<string, { default?: string }> };

/** Every `sanso validate …` command line in a text (a workflow, a script, a code block). */
function validateLines(text: string): string[] {
  return text.split('\n').filter((l) => /sanso"? validate\b/.test(l));
}

/** The fenced code blocks of a Markdown page that hold CI configuration or shell commands. */
function ciBlocks(md: string): string[] {
  return [...md.matchAll(/```(yaml|yml|sh)\n([\s\S]*?)```/g)].map((m) => m[2]!);
}

t.test('the action validates with --strict unless told otherwise', async (t) => {
  t.equal(action.inputs.strict?.default, 'true');
  const validate = action.runs.steps.find((s) => s.id === 'validate')!;
  const work = mkdtempSync(join(tmpdir(), 'sanso-strict-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const run = (strict: string) => {
    const out = join(work, `output-${strict}`);
    writeFileSync(out, '');
    return spawnSync('bash', ['-e', '-o', 'pipefail', '-c', validate.run!], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        GITHUB_OUTPUT: out,
        RUNNER_TEMP: work,
        GITHUB_WORKSPACE: ROOT,
        SANSO: join(ROOT, 'bin/sanso.ts'),
        // The tests' TypeScript loader, so bin/sanso.ts runs unbuilt.
        NODE_OPTIONS: `--import=${pathToFileURL(join(ROOT, 'test/loader.mjs')).href}`,
        RULES: BROAD,
        STRICT: strict,
        AS_OF: '',
      },
    });
  };
  const strict = run(action.inputs.strict!.default!);
  t.equal(strict.status, 1, `the default fails the step: ${strict.stderr}`);
  t.match(strict.stdout, /^::warning file=test\/fixtures\/bad\/ALLOW-CEILING-PARTIAL-tiers\.yaml,line=23,col=9,title=ALLOW-CEILING-PARTIAL::/m);
  const lenient = run('false');
  t.equal(lenient.status, 0, 'strict: false lets the warning through, so the fixture is a warning only');
});

t.test('the example workflow keeps the action strict', async (t) => {
  const wf = YAML.parse(readFileSync(join(ROOT, 'examples/ci/github/sanso.yml'), 'utf8')) as {
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
  };
  const uses = Object.values(wf.jobs)
    .flatMap((j) => j.steps)
    .find((s) => /\/sanso@/.test(s.uses ?? ''));
  t.not(uses?.with?.strict, false, 'strict is not turned off');
});

t.test('the GitLab job and the documented workflows pass --strict to every validation', async (t) => {
  const gitlab = YAML.parse(readFileSync(join(ROOT, 'examples/ci/gitlab/.gitlab-ci.yml'), 'utf8')) as { sanso: { script: string[] } };
  const sources: [string, string[]][] = [
    ['examples/ci/gitlab/.gitlab-ci.yml', validateLines(gitlab.sanso.script.join('\n'))],
    ['docs/ci.md', ciBlocks(readFileSync(join(ROOT, 'docs/ci.md'), 'utf8')).flatMap(validateLines)],
    ['docs/validate.md', ciBlocks(readFileSync(join(ROOT, 'docs/validate.md'), 'utf8')).flatMap(validateLines)],
  ];
  for (const [file, lines] of sources) {
    t.ok(lines.length > 0, `${file} runs sanso validate`);
    // docs/ci.md's install block tries the CLI out once by hand (`npx sanso validate rules/` right
    // after `npx sanso --version`); every other line is CI.
    for (const line of lines.filter((l) => !/^npx sanso validate rules\/$/.test(l.trim()))) {
      t.match(line, /--strict\b/, `${file}: ${line.trim()}`);
    }
  }
});
