/**
 * Pairs of rule sets for the diff property test: a random valid rule set (test/reference
 * generators) and a copy changed the ways rule pull requests change rules — rules added, removed,
 * reordered, flipped or given other services; CIDRs moved between segments, nested inside others
 * (so addresses move), dropped; a segment renamed everywhere; exceptions expired or renewed;
 * defaults and the guideline model changed. Mutations work on the raw data and pick by index
 * modulo what exists, so every genome applies.
 */
import fc from '../property/fc.js';
import { parseCidr } from '../../src/model/cidr.js';
import { AS_OF, formatV4, formatV6, ruleSetArb, type RuleFile, type RuleSetOptions } from '../reference/arbitrary.js';
import type { RawFlow, RawRuleSet } from '../reference/evaluator.js';

export type Mutation =
  | { kind: 'remove-flow' | 'remove-exception' | 'flip-action' | 'drop-cidr' | 'rename'; pick: number }
  | { kind: 'swap-flows'; pick: number; other: number }
  | { kind: 'add-flow'; from: number; to: number; service: number; deny: boolean; at: number }
  | { kind: 'services'; pick: number; service: number }
  | { kind: 'move-cidr'; pick: number; to: number }
  | { kind: 'nest-cidr'; pick: number; to: number; deeper: number; last: boolean }
  | { kind: 'expire'; pick: number; days: number }
  | { kind: 'model'; model: string }
  | { kind: 'default'; tier: 'mynumber' | 'lgwan' | 'internet'; action: 'allow' | 'deny' };

const SERVICES = ['tcp/443', 'tcp/440-450', 'udp/53', 'tcp/22', 'icmp', 'proto/47', 'tcp', 'any', 'tcp/1-442', 'udp/53-60'];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('remove-flow' as const, 'remove-exception' as const, 'flip-action' as const, 'drop-cidr' as const, 'rename' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('swap-flows' as const), pick: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('add-flow' as const), from: fc.nat(), to: fc.nat(), service: fc.nat(), deny: fc.boolean(), at: fc.nat() }),
  fc.record({ kind: fc.constant('services' as const), pick: fc.nat(), service: fc.nat() }),
  fc.record({ kind: fc.constant('move-cidr' as const), pick: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('nest-cidr' as const), pick: fc.nat(), to: fc.nat(), deeper: fc.integer({ min: 1, max: 9 }), last: fc.boolean() }),
  fc.record({ kind: fc.constant('expire' as const), pick: fc.nat(), days: fc.constantFrom(-30, -1, 0, 1, 30) }),
  fc.record({ kind: fc.constant('model' as const), model: fc.constantFrom('alpha', 'alpha-prime', 'beta', 'beta-prime') }),
  fc.record({
    kind: fc.constant('default' as const),
    tier: fc.constantFrom('mynumber' as const, 'lgwan' as const, 'internet' as const),
    action: fc.constantFrom('allow' as const, 'deny' as const),
  }),
);

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function networkKey(text: string): string {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(`bad CIDR ${text}`);
  return `${r.cidr.family}/${r.cidr.first}/${r.cidr.prefix}`;
}

const MAPPED_FIRST = 0xffffn << 32n;
const MAPPED_LAST = MAPPED_FIRST + 0xffffffffn;

export function mutate(rules: RawRuleSet, m: Mutation): void {
  const flows = (rules.flows ??= []);
  const exceptions = (rules.exceptions ??= []);
  const segs = rules.segments;
  const at = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
  switch (m.kind) {
    case 'remove-flow':
      if (flows.length) flows.splice(m.pick % flows.length, 1);
      break;
    case 'remove-exception':
      if (exceptions.length) exceptions.splice(m.pick % exceptions.length, 1);
      break;
    case 'flip-action': {
      const f = at(flows, m.pick);
      if (f) f.action = (f.action ?? 'allow') === 'allow' ? 'deny' : 'allow';
      break;
    }
    case 'swap-flows':
      if (flows.length > 1) {
        const i = m.pick % flows.length;
        const j = m.other % flows.length;
        [flows[i], flows[j]] = [flows[j]!, flows[i]!];
      }
      break;
    case 'add-flow': {
      const names = [...segs.map((s) => s.name), 'outside', 'tier:lgwan', 'tier:internet', 'tier:mynumber'];
      const ids = new Set(flows.map((f) => f.id));
      let n = flows.length + 1;
      while (ids.has(`F-N${n}`)) n++;
      const f: RawFlow = { id: `F-N${n}`, from: [names[m.from % names.length]!], to: [names[m.to % names.length]!], services: [SERVICES[m.service % SERVICES.length]!] };
      if (m.deny) f.action = 'deny';
      flows.splice(m.at % (flows.length + 1), 0, f);
      break;
    }
    case 'services': {
      const f = at(flows, m.pick);
      if (f) f.services = [SERVICES[m.service % SERVICES.length]!];
      break;
    }
    case 'move-cidr': {
      const from = at(segs, m.pick);
      const to = at(segs, m.to);
      if (from && to && from !== to && from.cidrs.length > 1) to.cidrs.push(from.cidrs.pop()!);
      break;
    }
    case 'drop-cidr': {
      const s = at(segs, m.pick);
      if (s && s.cidrs.length > 1) s.cidrs.shift();
      break;
    }
    case 'nest-cidr': {
      // A new, longer prefix inside an existing CIDR, given to another (or the same) segment:
      // longest-prefix match moves its addresses there.
      const all = segs.flatMap((s) => s.cidrs);
      const text = at(all, m.pick);
      const to = at(segs, m.to);
      if (!text || !to) break;
      const c = parseCidr(text);
      if (!c.ok) break;
      const bits = c.cidr.family === 4 ? 32 : 128;
      const prefix = Math.min(bits, c.cidr.prefix + m.deeper);
      if (prefix === c.cidr.prefix) break;
      const size = 1n << BigInt(bits - prefix);
      const first = m.last ? c.cidr.last + 1n - size : c.cidr.first;
      if (c.cidr.family === 6 && first + size - 1n >= MAPPED_FIRST && first <= MAPPED_LAST) break;
      const next = `${c.cidr.family === 4 ? formatV4(first) : formatV6(first)}/${prefix}`;
      const taken = new Set(all.map(networkKey));
      if (!taken.has(networkKey(next))) to.cidrs.push(next);
      break;
    }
    case 'rename': {
      const s = at(segs, m.pick);
      if (!s) break;
      const old = s.name;
      const name = `${old}-renamed`;
      s.name = name;
      const swap = (xs: string[]) => xs.map((x) => (x === old ? name : x));
      for (const r of [...flows, ...exceptions]) {
        r.from = swap(r.from);
        r.to = swap(r.to);
      }
      for (const [g, members] of Object.entries(rules.groups ?? {})) rules.groups![g] = swap(members);
      break;
    }
    case 'expire': {
      const e = at(exceptions, m.pick);
      if (e) e.expires = addDays(AS_OF, m.days);
      break;
    }
    case 'model':
      rules.policy = { ...(rules.policy ?? { name: 'Generated City' }), model: m.model };
      break;
    case 'default':
      rules.policy = { ...(rules.policy ?? { name: 'Generated City' }), defaults: { ...(rules.policy?.defaults ?? {}), [m.tier]: m.action } };
      break;
  }
  if (flows.length === 0) delete rules.flows;
  if (exceptions.length === 0) delete rules.exceptions;
}

/** One file holding a whole raw rule set, keys in the usual order. */
export function asFiles(rules: RawRuleSet): RuleFile[] {
  const order = ['policy', 'services', 'groups', 'segments', 'flows', 'exceptions'] as const;
  const data: Record<string, unknown> = {};
  for (const k of order) if (rules[k] !== undefined) data[k] = rules[k];
  return [{ name: '10-rules.yaml', data }];
}

export interface Pair {
  old: RawRuleSet;
  new: RawRuleSet;
  oldFiles: RuleFile[];
  newFiles: RuleFile[];
  oldAsOf: string;
  newAsOf: string;
  mutations: Mutation[];
}

/** A rule set and a mutated copy; NEW is judged on AS_OF or later, which expires exceptions too. */
export function pairArb(o: RuleSetOptions = {}): fc.Arbitrary<Pair> {
  return fc.tuple(ruleSetArb(o), fc.array(mutationArb, { minLength: 0, maxLength: 5 }), fc.constantFrom(0, 0, 0, 1, 400)).map(([set, mutations, later]) => {
    const next = structuredClone(set.rules);
    for (const m of mutations) mutate(next, m);
    return { old: set.rules, new: next, oldFiles: set.files, newFiles: asFiles(next), oldAsOf: set.asOf, newAsOf: addDays(set.asOf, later), mutations };
  });
}
