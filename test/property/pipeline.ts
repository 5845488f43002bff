/**
 * The real pipeline for a generated scenario, as the CLI and the service run it: rule files on
 * disk → read → schema → buildModel → analyzeModel → compile → the text-level lookup. Kept apart
 * from the test so that regression tests can replay a scenario the property test once shrank to.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { analyzeModel } from '../../src/compile/analysis.js';
import { compile } from '../../src/compile/compile.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { decisionObject, renderDecision } from '../../src/lookup/render.js';
import type { DecisionTable } from '../../src/lookup/table.js';
import { buildModel } from '../../src/model/build.js';
import type { Model } from '../../src/model/types.js';
import type { Problem } from '../../src/problems/problem.js';
import { readRuleSources } from '../../src/source/read.js';
import { checkSchema } from '../../src/validate/schema.js';
import type { FlowText, RuleFile, Scenario } from '../reference/arbitrary.js';
import type { RawRuleSet, RefDecision } from '../reference/evaluator.js';

export interface Loaded {
  /** Problems of reading, the schema pass and buildModel (a generated set should have none). */
  buildProblems: Problem[];
  /** Problems of analyzeModel (errors like ALLOW-CEILING-FORBIDDEN are expected). */
  analysisProblems: Problem[];
  model: Model | null;
  table: DecisionTable | null;
}

/**
 * The rule set the files stand for, merged as docs/rules.md says: lists concatenated in file order,
 * named maps united, the one policy taken as is. What the reference evaluator reads.
 */
export function mergeFiles(files: readonly RuleFile[]): RawRuleSet {
  const out: Record<string, unknown> = {};
  for (const f of files) {
    for (const [k, v] of Object.entries(f.data)) {
      if (Array.isArray(v)) out[k] = [...((out[k] as unknown[] | undefined) ?? []), ...v];
      else if (k === 'policy') out[k] = v;
      else out[k] = { ...((out[k] as object | undefined) ?? {}), ...(v as object) };
    }
  }
  const order = ['policy', 'services', 'groups', 'segments', 'flows', 'exceptions'];
  return Object.fromEntries(order.filter((k) => k in out).map((k) => [k, out[k]])) as unknown as RawRuleSet;
}

/** The rule files as YAML text, for writing to disk and for printing a counterexample. */
export function yamlFiles(files: readonly RuleFile[]): { name: string; text: string }[] {
  return files.map((f) => ({ name: f.name, text: stringify(f.data) }));
}

/**
 * Shrinking tries many flow lists against one rule set; loading it again each time would make
 * a failure take minutes to shrink. Keyed on the exact file texts, so a hit is the same input.
 */
const recent = new Map<string, Loaded>();
const RECENT = 8;

export function load(files: readonly RuleFile[], asOf: string): Loaded {
  const texts = yamlFiles(files);
  const key = JSON.stringify([asOf, texts]);
  const hit = recent.get(key);
  if (hit) return hit;
  const loaded = loadUncached(texts, asOf);
  recent.set(key, loaded);
  if (recent.size > RECENT) recent.delete(recent.keys().next().value!);
  return loaded;
}

function loadUncached(texts: { name: string; text: string }[], asOf: string): Loaded {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-prop-'));
  try {
    for (const f of texts) writeFileSync(join(dir, f.name), f.text);
    return loadPaths([dir], asOf);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rule files already on disk (a directory or files), through the same stages. */
export function loadPaths(paths: readonly string[], asOf: string): Loaded & { files: RuleFile[] } {
  const read = readRuleSources(paths);
  const files = read.files.map((f) => ({ name: f.file, data: (f.data ?? {}) as Record<string, unknown> }));
  const buildProblems = [...read.problems];
  for (const file of read.files) buildProblems.push(...checkSchema(file));
  const built = buildModel(read.files, read.version, { asOf });
  buildProblems.push(...built.problems);
  if (!built.model) return { buildProblems, analysisProblems: [], model: null, table: null, files };
  // Analysis errors (an allow rule the ceiling forbids) would stop `sanso` loading the set, but
  // such rules are semantically inert, so the table is compiled and checked anyway.
  const analysisProblems = analyzeModel(built.model, { asOf });
  return { buildProblems, analysisProblems, model: built.model, table: compile(built.model, { asOf }), files };
}

/** The fields of a decision the reference also computes. */
export type Compared = RefDecision;

export function pick(d: {
  decision: string;
  code: string;
  rule: string | null;
  src: { segment: string; tier: string };
  dst: { segment: string; tier: string };
  path: string;
  sanitizer: { segment: string; method: string } | null;
}): Compared {
  return {
    decision: d.decision as Compared['decision'],
    code: d.code,
    rule: d.rule,
    src: { segment: d.src.segment, tier: d.src.tier },
    dst: { segment: d.dst.segment, tier: d.dst.tier },
    path: d.path as Compared['path'],
    sanitizer: d.sanitizer ? { segment: d.sanitizer.segment, method: d.sanitizer.method } : null,
  };
}

export type TableAnswer = { ok: true; object: Compared; json: Compared; address: { src: string; dst: string } } | { ok: false; field: string | null; reason: string | null };

const out = new FlowResult();

/** One flow through the lookup: both the decision object and the pre-serialized JSON. */
export function decideWithTable(table: DecisionTable, flow: FlowText): TableAnswer {
  if (!resolveFlow(table, flow.src, flow.dst, flow.service, out)) return { ok: false, field: out.field, reason: out.reason };
  const obj = decisionObject(table, out.decision, out.srcSeg, out.dstSeg, flow.src, flow.dst, 'en');
  const json = JSON.parse(renderDecision(table, out.decision, out.srcSeg, out.dstSeg, flow.src, flow.dst, 'en')) as Parameters<typeof pick>[0] & {
    src: { address: string };
    dst: { address: string };
  };
  return { ok: true, object: pick(obj), json: pick(json), address: { src: json.src.address, dst: json.dst.address } };
}

/** A counterexample people can replay: the files as YAML, the date and the flow. */
export function describe(s: Pick<Scenario, 'files' | 'asOf'>, flow?: FlowText): string {
  const parts = yamlFiles(s.files).map((f) => `# ---- ${f.name}\n${f.text}`);
  parts.push(`# as of ${s.asOf}`);
  if (flow) parts.push(`# flow: sanso decide --as-of ${s.asOf} ${flow.src} ${flow.dst} ${flow.service}`);
  return parts.join('\n');
}
