/**
 * The generated pages of docs/: docs/problem-codes.md from the one catalogue
 * (src/problems/codes.ts) and docs/performance.md from the published bench results
 * (bench/results.json). Each page is a pure function of its source, so a test can compare the
 * committed page with what this writes (test/docs/generated.test.ts) and a merge that adds codes
 * or new results is one command away from correct docs:
 *
 *   npm run docs:codes    npm run docs:perf    npm run docs (both)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ERRORS, CODES, DECISION_CODES, PROBLEM_TYPE_BASE } from '../src/problems/codes.js';
import { packageRoot } from '../src/source/package-root.js';
import { perfIntro, perfMethods, perfProfiled, perfSideBySide } from './perf-prose.js';

const GENERATED = (source: string, command: string) => `<!-- Generated from ${source} by \`${command}\`. Do not edit: edit the source and run the command. -->`;

/** A table cell: pipes escaped, code names and file names in backticks left as they are. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function problemCodesMarkdown(): string {
  const out: string[] = [];
  out.push(GENERATED('src/problems/codes.ts', 'npm run docs:codes'), '');
  out.push('# Problem codes', '');
  out.push(
    'Every code sanso emits comes from one catalogue, `src/problems/codes.ts`, and this page is',
    'generated from it. Names are stable: CI pipelines, SARIF rule ids, decision logs and HTTP',
    'problem types are keyed on them. A test fails when a code is missing here or when this page',
    'lists a code that no longer exists.',
    '',
    '- [Rule-file problems](#rule-file-problems) — what `sanso validate` reports ([validate.md](validate.md))',
    '- [Decision codes](#decision-codes) — why a flow is allowed or denied ([decisions.md](decisions.md))',
    "- [HTTP problem types](#http-problem-types) — the service's errors ([http-api.md](http-api.md#errors))",
    '',
  );
  out.push('## Rule-file problems', '');
  out.push('Errors stop a rule set from loading (`decide`, `check` and `serve` refuse it); warnings do not,', 'except under `sanso validate --strict`.', '');
  out.push('| code | severity | meaning | how to fix |', '|---|---|---|---|');
  for (const [code, info] of Object.entries(CODES)) out.push(`| \`${code}\` | ${info.severity} | ${cell(info.meaning)} | ${cell(info.fix)} |`);
  out.push('');
  out.push('## Decision codes', '');
  out.push(
    'In the order the algorithm tries them ([decisions.md](decisions.md#the-algorithm)). The clause is the',
    'built-in one, from the basic policy (基本方針); `policy.clauses` replaces it code by code.',
    '',
  );
  out.push('| decision code | clause (built-in) | meaning |', '|---|---|---|');
  for (const [code, info] of Object.entries(DECISION_CODES)) out.push(`| \`${code}\` | ${info.clause ?? '—'} | ${cell(info.meaning)} |`);
  out.push('');
  out.push('## HTTP problem types', '');
  out.push(
    `Every error of the service is \`application/problem+json\` (RFC 9457) whose \`type\` is`,
    `\`${PROBLEM_TYPE_BASE}\` followed by the code in lower case, and whose \`code\` is the code itself.`,
    '',
  );
  out.push('| code | status | title | meaning |', '|---|---|---|---|');
  for (const [code, e] of Object.entries(API_ERRORS)) out.push(`| \`${code}\` | ${e.status} | ${cell(e.title)} | ${cell(e.meaning)} |`);
  out.push('');
  return out.join('\n');
}

// — performance —

interface Row {
  scenario: string;
  set: string;
  subject: string;
  metric: string;
  value: number;
  unit: string;
  runs: number;
  target?: { op: string; value: number };
  met?: boolean;
  ratio?: { to: string; value: number };
  note?: string;
}

export interface Results {
  date: string;
  command: string;
  commit: string;
  quick: boolean;
  seed: number;
  prefecture: { segments: number; cidrs: number; flows: number; serviceRanges: number };
  machine: { cpus: number; cpuModel: string; node: string; memoryGiB: number; loadAtStart: number };
  rows: Row[];
  skipped: { scenario: string; why: string }[];
}

/** Three significant digits, thousands grouped (bench/lib/stats.ts fmt, repeated: no bench import). */
function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return Number(x.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: digits });
}

const SCENARIO_TITLES: Record<string, string> = {
  compile: 'Loading and compiling',
  lookup: 'Deciding in process',
  address: 'Address lookups, against the libraries users would pick',
  reference: 'Against the naive reference evaluator',
  cedar: 'Against Cedar',
  'http-single': 'HTTP, one decision per request',
  'http-batch': 'HTTP, NDJSON batch',
  check: 'Change-request check',
};

function target(r: Row): string {
  if (!r.target) return '';
  return `${r.target.op === '<=' ? '≤' : r.target.op === '>=' ? '≥' : r.target.op} ${fmt(r.target.value)} ${r.met ? '✅' : '❌ missed'}`;
}

export function performanceMarkdown(res: Results): string {
  const out: string[] = [];
  const m = res.machine;
  const p = res.prefecture;
  out.push(GENERATED('bench/results.json', 'npm run docs:perf'), '');
  out.push('# Performance', '');
  out.push(...perfIntro, '');
  out.push('## The published run', '');
  out.push(
    `${res.date.slice(0, 10)} · \`${res.command}\` at \`${res.commit}\` · ${m.cpus} × ${m.cpuModel} (shared; 1-minute load ${m.loadAtStart} at the start) · ` +
      `${m.memoryGiB} GiB · Node ${m.node} · prefecture: ${fmt(p.segments)} segments, ${fmt(p.cidrs)} CIDRs, ${fmt(p.flows)} flow rules, ` +
      `${p.serviceRanges} service ranges (seed ${res.seed}). Every figure is the median of the runs shown.`,
    '',
  );
  const targets = res.rows.filter((r) => r.target);
  if (targets.length > 0) {
    out.push('### Targets', '');
    out.push('| rule set | what | measured | target |', '|---|---|---:|---|');
    for (const r of targets) out.push(`| ${r.set} | ${cell(r.subject)} | ${fmt(r.value)} ${r.unit} | ${target(r)} |`);
    out.push('');
  }
  const scenarios = [...new Set(res.rows.map((r) => r.scenario))];
  for (const s of scenarios) {
    out.push(`### ${SCENARIO_TITLES[s] ?? s} (\`${s}\`)`, '');
    out.push('| rule set | what | value | runs | target | compared | note |', '|---|---|---:|---:|---|---|---|');
    for (const r of res.rows.filter((x) => x.scenario === s)) {
      const ratio = r.ratio ? `${fmt(r.ratio.value)} × ${cell(r.ratio.to)}` : '';
      out.push(`| ${r.set} | ${cell(r.subject)} | ${fmt(r.value)} ${r.unit} | ${r.runs} | ${target(r)} | ${ratio} | ${cell(r.note ?? '')} |`);
    }
    out.push('');
  }
  for (const s of res.skipped) out.push(`- \`${s.scenario}\` did not run: ${s.why}`);
  if (res.skipped.length > 0) out.push('');
  out.push('## How the figures are taken', '', ...perfMethods, '');
  out.push('## Side by side', '', ...perfSideBySide, '');
  out.push('## What was profiled and changed', '', ...perfProfiled, '');
  return out.join('\n');
}

export function readResults(root = packageRoot()): Results {
  return JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8')) as Results;
}

function main(which: readonly string[]): number {
  const root = packageRoot();
  const all = which.length === 0;
  if (all || which.includes('codes')) writeFileSync(join(root, 'docs', 'problem-codes.md'), problemCodesMarkdown());
  if (all || which.includes('perf')) writeFileSync(join(root, 'docs', 'performance.md'), performanceMarkdown(readResults(root)));
  const unknown = which.filter((w) => w !== 'codes' && w !== 'perf');
  if (unknown.length > 0) {
    process.stderr.write(`usage: node dist-bench/scripts/docs.js [codes] [perf]\n`);
    return 2;
  }
  return 0;
}

// Run as a script (not when a test imports the generators).
if (process.argv[1] !== undefined && /scripts[\\/]docs\.js$/.test(process.argv[1])) process.exitCode = main(process.argv.slice(2));
