/**
 * The two rule sets every scenario measures: the bundled sample city (rules/) and the seeded
 * synthetic prefecture, written to a temporary directory and loaded the way `sanso serve` loads
 * rules (loadPolicy: validate, then compile).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import YAML from 'yaml';
import { loadPolicy, type LoadedPolicy } from '../../src/policy.js';
import { packageRoot } from '../../src/source/package-root.js';
import type { RawRuleSet } from '../../test/reference/evaluator.js';
import { AS_OF, generatePrefecture, PREFECTURE, type PrefectureSize } from '../synthetic.js';
import type { SetName } from './scenario.js';

/** The seed of the published figures. */
export const SEED = 20260615;

export interface RuleSet {
  name: SetName;
  /** The rule directory, as `--rules` would take it. */
  dir: string;
  asOf: string;
  raw: RawRuleSet;
  policy: LoadedPolicy;
  /** Warnings found when loading (a rule set with errors does not load). */
  warnings: Record<string, number>;
  loadMs: number;
  size: PrefectureSize;
}

/** Rule files as the reference evaluator reads them: lists concatenated, maps united. */
export function readRaw(dir: string): RawRuleSet {
  const merged: Record<string, unknown> = {};
  for (const name of readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()) {
    const data = YAML.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown> | null;
    for (const [k, v] of Object.entries(data ?? {})) {
      if (Array.isArray(v)) merged[k] = [...((merged[k] as unknown[]) ?? []), ...v];
      else if (v && typeof v === 'object') merged[k] = { ...((merged[k] as object) ?? {}), ...v };
      else merged[k] = v;
    }
  }
  return merged as unknown as RawRuleSet;
}

function counts(policy: LoadedPolicy): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of policy.warnings) out[p.code] = (out[p.code] ?? 0) + 1;
  return out;
}

export function prefectureDir(seed: number, size: PrefectureSize): string {
  return join(tmpdir(), `sanso-bench-prefecture-${seed}-${size.segments}-${size.cidrs}-${size.flows}-${size.serviceRanges}`);
}

export function loadSet(name: SetName, size: PrefectureSize = PREFECTURE): RuleSet {
  let dir: string;
  let raw: RawRuleSet;
  let setSize: PrefectureSize;
  if (name === 'sample') {
    dir = join(packageRoot(), 'rules');
    raw = readRaw(dir);
    setSize = {
      segments: raw.segments.length,
      cidrs: raw.segments.reduce((n, s) => n + s.cidrs.length, 0),
      flows: raw.flows?.length ?? 0,
      serviceRanges: 0,
    };
  } else {
    const p = generatePrefecture(SEED, size);
    dir = prefectureDir(SEED, size);
    p.writeTo(dir);
    raw = p.rules;
    setSize = { ...size, serviceRanges: p.serviceRanges.length };
  }
  const t0 = performance.now();
  const { policy, problems } = loadPolicy([dir], { asOf: AS_OF });
  const loadMs = performance.now() - t0;
  if (!policy) {
    const first = problems.find((p) => p.severity === 'error');
    throw new Error(`bench: the ${name} rule set does not load: ${first?.code} ${first?.message}`);
  }
  return { name, dir, asOf: AS_OF, raw, policy, warnings: counts(policy), loadMs, size: setSize };
}
