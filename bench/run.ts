/**
 * `npm run bench [-- --quick] [-- --only NAME[,NAME]] [-- --out FILE]`
 *
 * Runs the scenarios in bench/scenarios/ in one process (the HTTP ones start their servers as
 * child processes), prints one Markdown table with the machine it ran on, and writes the same
 * figures as JSON: bench/results.json for a full run, bench/results.local.json otherwise (so a
 * quick or partial run never overwrites the published figures). It asserts nothing: a missed
 * target is marked in the table, never an exit code.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { machine } from './lib/machine.js';
import { fmt } from './lib/stats.js';
import { packageRoot } from '../src/source/package-root.js';
import { loadSet, SEED, type RuleSet } from './lib/rulesets.js';
import { PREFECTURE, type PrefectureSize } from './synthetic.js';
import type { Context, Row, Scenario, SetName } from './lib/scenario.js';

/** In the order they run; each file exports `scenario`. */
/** --quick measures a quarter-size prefecture, so that the whole run stays under a minute. */
export const QUICK_PREFECTURE: PrefectureSize = { segments: 500, cidrs: 5000, flows: 1250, serviceRanges: 300 };

export const SCENARIOS = ['compile', 'lookup', 'reference', 'address', 'cedar', 'http-single', 'http-batch', 'check', 'diff', 'audit', 'monitor'] as const;

interface Args {
  quick: boolean;
  only: string[];
  out: string | null;
}

const USAGE = `usage: npm run bench -- [--quick] [--only ${SCENARIOS.join('|')}[,…]] [--out FILE]`;

function parseArgs(argv: readonly string[]): Args | string {
  const args: Args = { quick: false, only: [], out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--only' || a === '--out') {
      const v = argv[++i];
      if (v === undefined) return `${a} needs a value`;
      if (a === '--out') args.out = v;
      else args.only.push(...v.split(','));
    } else if (a === '--help' || a === '-h') return '';
    else return `unknown argument ${a}`;
  }
  const unknown = args.only.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
  if (unknown.length) return `unknown scenario ${unknown.join(', ')}`;
  return args;
}

/**
 * The commit measured: BENCH_COMMIT when set (a build outside the repository), else git's HEAD,
 * read when the run starts (what was just compiled; editing a file during the run does not make
 * the figures another commit's). The bench's own output, bench/results.json, is not a change to it.
 */
function commit(): string {
  const env = process.env.BENCH_COMMIT;
  if (env) return env;
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results.json'], {
      cwd: packageRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

function targetText(r: Row): string {
  if (!r.target) return '';
  return `${r.target.op} ${fmt(r.target.value)} ${r.met ? '✅' : '❌ missed'}`;
}

export function table(rows: readonly Row[]): string {
  const head = '| scenario | set | subject | value | unit | runs | target | ratio | note |\n|---|---|---|---:|---|---:|---|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.scenario} | ${r.set} | ${r.subject} | ${fmt(r.value)} | ${r.unit} | ${r.runs} | ${targetText(r)} | ${r.ratio ? `${fmt(r.ratio.value)} × ${r.ratio.to}` : ''} | ${r.note ?? ''} |`,
  );
  return [head, ...lines].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed ? `${parsed}\n` : ''}${USAGE}\n`);
    return parsed ? 2 : 0;
  }
  const args = parsed;
  const m = machine();
  const started = new Date();
  const measured = commit();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log(`sanso bench${args.quick ? ' --quick' : ''}: ${m.cpus} × ${m.cpuModel}, Node ${m.node}, load ${m.loadAtStart}`);

  const size = args.quick ? QUICK_PREFECTURE : PREFECTURE;
  const sets = new Map<SetName, RuleSet>();
  const ctx: Context = {
    quick: args.quick,
    runs: (full, quick) => (args.quick ? quick : full),
    async set(name) {
      let s = sets.get(name);
      if (!s) {
        const t0 = performance.now();
        s = loadSet(name, size);
        sets.set(name, s);
        log(`  loaded ${name}: ${s.size.segments} segments, ${s.size.cidrs} CIDRs, ${s.size.flows} flow rules in ${Math.round(performance.now() - t0)} ms`);
      }
      return s;
    },
    log,
  };

  const names = args.only.length ? SCENARIOS.filter((n) => args.only.includes(n)) : [...SCENARIOS];
  const rows: Row[] = [];
  const skipped: { scenario: string; why: string }[] = [];
  for (const name of names) {
    log(`▶ ${name}`);
    const t0 = performance.now();
    try {
      const mod = (await import(`./scenarios/${name}.js`)) as { scenario: Scenario };
      log(`  ${mod.scenario.title}`);
      rows.push(...(await mod.scenario.run(ctx)));
    } catch (e) {
      // One scenario that cannot run (e.g. a part still being written) does not sink the rest.
      const why = e instanceof Error ? e.message : String(e);
      skipped.push({ scenario: name, why });
      log(`  ✖ ${name} did not run: ${why}`);
    }
    log(`  ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  // The targets are for the full-size prefecture: a quick run's smaller one would only mislead.
  if (args.quick) {
    for (const r of rows) {
      delete r.target;
      delete r.met;
    }
  }
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const header =
    `${started.toISOString().slice(0, 10)} · \`${command}\` at ${measured} · ${m.cpus} × ${m.cpuModel} · Node ${m.node} · ` +
    `prefecture: ${size.segments} segments, ${size.cidrs} CIDRs, ${size.flows} flow rules, ${size.serviceRanges} service ranges (seed ${SEED}) · ` +
    `medians of the runs shown · shared machine (1-min load ${m.loadAtStart} at start)`;
  process.stdout.write(`\n${header}\n\n${table(rows)}\n`);
  for (const s of skipped) process.stdout.write(`\n- ${s.scenario} did not run: ${s.why}\n`);

  const full = !args.quick && args.only.length === 0;
  const out = args.out ?? join(packageRoot(), 'bench', full ? 'results.json' : 'results.local.json');
  const result = { date: started.toISOString(), command, commit: measured, quick: args.quick, seed: SEED, prefecture: size, machine: m, rows, skipped };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${out}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
