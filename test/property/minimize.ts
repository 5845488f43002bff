/**
 * Cuts a failing scenario down to a rule set a person can read: greedy delta debugging on the raw
 * rule data (not on fast-check's genome, whose index picks shift when a segment goes, so its
 * shrinking stalls with bystanders left in). Each step removes one thing — a file boundary, a
 * segment with every reference to it, a rule, a CIDR, a list entry, an optional field — and keeps
 * the removal when the pipeline still fails the same way. Runs only after a failure.
 */
import type { FlowText, RuleFile, Scenario } from '../reference/arbitrary.js';
import { parseFlowAddress } from '../reference/evaluator.js';
import { sameFailure, type Failure } from './check.js';
import { mergeFiles } from './pipeline.js';

type Data = Record<string, unknown>;
type Item = Record<string, unknown>;

const clone = <T>(x: T): T => structuredClone(x);

/** Removes a name (segment, group or service) and every reference to it; empties cascade. */
function dropName(files: RuleFile[], name: string): void {
  const goneGroups: string[] = [];
  for (const f of files) {
    const d = f.data;
    for (const key of ['flows', 'exceptions'] as const) {
      const rules = d[key] as Item[] | undefined;
      if (!rules) continue;
      const kept = rules.filter((r) => {
        for (const field of ['from', 'to', 'services'] as const) r[field] = (r[field] as string[]).filter((x) => x !== name);
        return (r.from as string[]).length > 0 && (r.to as string[]).length > 0 && (r.services as string[]).length > 0;
      });
      if (kept.length > 0) d[key] = kept;
      else delete d[key];
    }
    const groups = d.groups as Record<string, string[]> | undefined;
    if (groups) {
      for (const [g, members] of Object.entries(groups)) {
        groups[g] = members.filter((m) => m !== name);
        if (groups[g].length === 0) {
          delete groups[g];
          goneGroups.push(g);
        }
      }
      if (Object.keys(groups).length === 0) delete d.groups;
    }
    for (const seg of (d.segments as Item[] | undefined) ?? []) {
      for (const key of ['sanitizer', 'breakout'] as const) {
        const san = seg[key] as Item | undefined;
        if (!san) continue;
        san.services = (san.services as string[]).filter((x) => x !== name);
        if ((san.services as string[]).length === 0) delete seg[key];
      }
    }
  }
  for (const g of goneGroups) dropName(files, g);
}

function tidy(files: RuleFile[]): RuleFile[] {
  for (const f of files) {
    for (const [k, v] of Object.entries(f.data)) {
      if ((Array.isArray(v) && v.length === 0) || (v && typeof v === 'object' && Object.keys(v).length === 0)) delete f.data[k];
    }
  }
  return files.filter((f) => Object.keys(f.data).length > 0);
}

/** Every one-step simplification of the files, most drastic first. */
function* candidates(files: RuleFile[]): Generator<RuleFile[]> {
  if (files.length > 1) {
    // Everything in one file, in merge order.
    yield [{ name: files[0]!.name, data: mergeFiles(files) as unknown as Data }];
  }
  for (let fi = 0; fi < files.length; fi++) {
    const data = files[fi]!.data;
    for (const key of ['segments', 'flows', 'exceptions'] as const) {
      const list = (data[key] as Item[] | undefined) ?? [];
      for (let i = list.length - 1; i >= 0; i--) {
        const next = clone(files);
        const removed = (next[fi]!.data[key] as Item[]).splice(i, 1)[0]!;
        if (key === 'segments') dropName(next, removed.name as string);
        yield tidy(next);
      }
    }
    for (const key of ['groups', 'services'] as const) {
      for (const name of Object.keys((data[key] as Data | undefined) ?? {})) {
        const next = clone(files);
        delete (next[fi]!.data[key] as Data)[name];
        dropName(next, name);
        yield tidy(next);
      }
    }
    if (data.policy) {
      const next = clone(files);
      delete next[fi]!.data.policy;
      yield tidy(next);
      const policy = data.policy as Data;
      for (const k of Object.keys(policy)) {
        const n2 = clone(files);
        delete (n2[fi]!.data.policy as Data)[k];
        yield tidy(n2);
      }
      for (const tier of Object.keys((policy.defaults as Data | undefined) ?? {})) {
        const n3 = clone(files);
        const defaults = (n3[fi]!.data.policy as Data).defaults as Data;
        delete defaults[tier];
        if (Object.keys(defaults).length === 0) delete (n3[fi]!.data.policy as Data).defaults;
        yield tidy(n3);
      }
    }
    // Inside items: list entries beyond the first, optional fields.
    for (const key of ['segments', 'flows', 'exceptions'] as const) {
      const list = (data[key] as Item[] | undefined) ?? [];
      for (let i = 0; i < list.length; i++) {
        const item = list[i]!;
        const lists = key === 'segments' ? ['cidrs'] : ['from', 'to', 'services'];
        for (const field of lists) {
          const values = item[field] as string[];
          for (let j = values.length - 1; j >= 0 && values.length > 1; j--) {
            const next = clone(files);
            ((next[fi]!.data[key] as Item[])[i]![field] as string[]).splice(j, 1);
            yield next;
          }
        }
        for (const field of ['sanitizer', 'breakout', 'role', 'mfa', 'external', 'description', 'ticket']) {
          if (!(field in item)) continue;
          const next = clone(files);
          delete (next[fi]!.data[key] as Item[])[i]![field];
          yield next;
        }
        if (item.action === 'allow') {
          const next = clone(files);
          delete (next[fi]!.data[key] as Item[])[i]!.action;
          yield next;
        }
        const san = item.sanitizer as Item | undefined;
        if (san && (san.services as string[]).length > 1) {
          for (let j = (san.services as string[]).length - 1; j >= 0; j--) {
            const next = clone(files);
            (((next[fi]!.data[key] as Item[])[i]!.sanitizer as Item).services as string[]).splice(j, 1);
            yield next;
          }
        }
      }
    }
    for (const key of ['groups', 'services'] as const) {
      for (const [name, members] of Object.entries((data[key] as Record<string, string[]> | undefined) ?? {})) {
        for (let j = members.length - 1; j >= 0 && members.length > 1; j--) {
          const next = clone(files);
          (next[fi]!.data[key] as Record<string, string[]>)[name]!.splice(j, 1);
          yield next;
        }
      }
    }
  }
}

/** Plainer spellings of the flow's addresses: an IPv4-mapped address as IPv4, lower case. */
function* flowCandidates(flow: FlowText): Generator<FlowText> {
  for (const side of ['src', 'dst'] as const) {
    const text = flow[side];
    const a = parseFlowAddress(text);
    if (a && a.family === 4 && text.includes(':')) {
      const v = a.value;
      yield { ...flow, [side]: [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.') };
    }
    if (text !== text.toLowerCase()) yield { ...flow, [side]: text.toLowerCase() };
  }
}

export interface Minimized {
  scenario: Scenario;
  failure: Failure;
  /** How many candidate rule sets were tried. */
  tries: number;
}

/**
 * Greedy: take the first candidate that still fails the same way, start over from it; stop when
 * none does (or after `maxTries` pipeline runs, to bound the time a failure report takes).
 */
export function minimize(s: Scenario, first: Failure, fails: (s: Scenario) => Failure | null, maxTries = 3000): Minimized {
  let current: Scenario = { ...s, flows: first.flow ? [first.flow] : s.flows.slice(0, 1) };
  let failure = fails(current);
  if (!sameFailure(first, failure)) return { scenario: s, failure: first, tries: 1 };
  let tries = 1;
  const attempt = (next: Scenario): boolean => {
    tries++;
    const f = fails(next);
    if (!sameFailure(first, f)) return false;
    current = next;
    failure = f!;
    return true;
  };
  let progress = true;
  while (progress && tries < maxTries) {
    progress = false;
    for (const flow of flowCandidates(current.flows[0]!)) {
      if (attempt({ ...current, flows: [flow] })) {
        progress = true;
        break;
      }
    }
    if (progress) continue;
    for (const files of candidates(current.files)) {
      if (tries >= maxTries) break;
      if (files.length === 0) continue;
      if (attempt({ ...current, files, rules: mergeFiles(files) })) {
        progress = true;
        break;
      }
    }
  }
  return { scenario: current, failure: failure!, tries };
}
