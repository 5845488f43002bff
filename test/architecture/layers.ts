/**
 * The layer map of src/ and the check that keeps it true (docs/architecture.md). Every import in
 * src/ must point to the same layer or to a layer of a lower level; two layers of one level never
 * import each other (no sideways reaches, e.g. check/ into report/); and the modules never form
 * a cycle at run time. A file no layer claims is an error too, so a new directory is placed in
 * the order on purpose, not by accident.
 *
 * No dependency: imports are read with a regular expression over the source text, which is
 * enough for the one import style the code uses (static `import … from '…'`, `export … from`,
 * and `import('…')`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

export interface Layer {
  name: string;
  /** Imports go to the same layer or to a lower level. */
  level: number;
  /** Directories (ending in /) or files, relative to the repository root; the longest match wins. */
  paths: string[];
}

/** Data flows source → validate → model → compile → lookup; imports follow the levels below. */
export const LAYERS: Layer[] = [
  {
    name: 'leaves',
    level: 0,
    paths: [
      'src/problems/', // the one catalogue of codes, Problem, one-line escaping
      'src/i18n/', // decision messages in English and Japanese
      'src/source/location.ts', // FILE:LINE:COL
      'src/model/types.ts', // the resolved model every stage shares
      'src/lookup/decision.ts', // DecisionRecord: what the compiler interns and the lookup reads
      'src/device/types.ts', // the firewall device model
      'src/validate/schema-words.ts', // ajv set-up and words shared by both schema passes
    ],
  },
  { name: 'source', level: 1, paths: ['src/source/'] },
  { name: 'model', level: 2, paths: ['src/model/'] },
  // The hot path reads the table the compiler writes: the compiler imports it, never the reverse.
  { name: 'lookup', level: 3, paths: ['src/lookup/'] },
  { name: 'device', level: 3, paths: ['src/device/'] }, // firewall parsers: model/, problems/
  { name: 'compile', level: 4, paths: ['src/compile/'] },
  // validateRuleSet runs the whole pipeline up to the analysis, which reads a compiled table.
  { name: 'validate', level: 5, paths: ['src/validate/'] },
  { name: 'policy', level: 6, paths: ['src/policy.ts'] },
  // Readers of compiled tables and writers of reports: never of each other.
  { name: 'check', level: 7, paths: ['src/check/'] },
  { name: 'report', level: 7, paths: ['src/report/'] },
  { name: 'audit', level: 8, paths: ['src/audit/'] },
  { name: 'diff', level: 8, paths: ['src/diff/'] },
  { name: 'monitor', level: 8, paths: ['src/monitor/'] },
  { name: 'matrix', level: 8, paths: ['src/matrix/'] }, // the zone matrix: console and report
  // The self-inspection report reads the matrix and the audit engine.
  { name: 'inspection', level: 9, paths: ['src/inspection/'] },
  { name: 'http', level: 10, paths: ['src/http/'] },
  { name: 'cli', level: 11, paths: ['src/cli/'] },
];

export interface Edge {
  from: string;
  to: string;
  /** `import type` / `export type`: erased at run time, so it cannot make a cycle. */
  typeOnly: boolean;
  line: number;
}

const IMPORT = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every relative import of one file, resolved to repository paths (`.js` read as `.ts`). */
export function importsOf(file: string, text: string): Edge[] {
  const edges: Edge[] = [];
  const lineAt = (i: number) => text.slice(0, i).split('\n').length;
  const add = (spec: string, typeOnly: boolean, at: number) => {
    if (!spec.startsWith('.')) return; // packages and node: builtins
    const to = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
    edges.push({ from: file, to, typeOnly, line: lineAt(at) });
  };
  for (const m of text.matchAll(IMPORT)) add(m[3]!, m[2] !== undefined, m.index! + m[0].indexOf(m[1]!));
  for (const m of text.matchAll(DYNAMIC)) add(m[1]!, false, m.index!);
  return edges;
}

export function layerOf(file: string, layers: readonly Layer[] = LAYERS): Layer | null {
  let best: Layer | null = null;
  let bestLength = -1;
  for (const l of layers) {
    for (const p of l.paths) {
      const hit = p.endsWith('/') ? file.startsWith(p) : file === p;
      if (hit && p.length > bestLength) {
        best = l;
        bestLength = p.length;
      }
    }
  }
  return best;
}

/** Every violation of the map, as `FILE:LINE: message` lines; empty when the code keeps it. */
export function checkLayers(files: readonly string[], edges: readonly Edge[], layers: readonly Layer[] = LAYERS): string[] {
  const out: string[] = [];
  for (const f of files) if (layerOf(f, layers) === null) out.push(`${f}:1: no layer claims this file; declare it in test/architecture/layers.ts`);
  for (const e of edges) {
    if (!e.to.startsWith('src/')) continue; // schemas/*.json and the like
    const a = layerOf(e.from, layers);
    const b = layerOf(e.to, layers);
    if (a === null || b === null || a === b) continue;
    if (b.level >= a.level) {
      const how = b.level === a.level ? 'sideways, between layers of one level' : 'upwards';
      out.push(`${e.from}:${e.line}: ${a.name} (level ${a.level}) imports ${e.to}, ${b.name} (level ${b.level}): ${how}`);
    }
  }
  return out.concat(cycles(edges.filter((e) => !e.typeOnly)));
}

/** Run-time import cycles, each reported once as `a → b → … → a`. */
export function cycles(edges: readonly Edge[]): string[] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (n: string) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      const s = state.get(m);
      if (s === 1) found.push(`${m}:1: import cycle ${[...stack.slice(stack.indexOf(m)), m].join(' → ')}`);
      else if (s === undefined) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of [...next.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

/** The TypeScript files under `dir`, relative to `root`, sorted. */
export function sourceFiles(root: string, dir = 'src'): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** The whole check over a checkout. */
export function checkTree(root: string): string[] {
  const files = sourceFiles(root);
  const edges = files.flatMap((f) => importsOf(f, readFileSync(join(root, f), 'utf8')));
  return checkLayers(files, edges);
}
