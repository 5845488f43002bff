/**
 * A general policy engine a user might pick instead: Cedar (@cedar-policy/cedar-wasm, its Node
 * entry `@cedar-policy/cedar-wasm/nodejs`; the package root is an ES module that imports the
 * .wasm file directly, which Node 20 refuses without --experimental-wasm-modules).
 *
 * What the Cedar policy covers — the first K flow rules of the rule set, in order, that name
 * only segments and groups (rules naming `outside` or `tier:X` are skipped: the first would need
 * "in no CIDR at all" over every CIDR):
 *   allow → permit, deny → forbid (Cedar's forbid-overrides-permit is step 1 of docs/decisions.md);
 *   from/to → `principal.ip.isInRange(ip("…")) || …` over every CIDR of the segments named;
 *   services → `context.proto == P && context.port >= lo && context.port <= hi`, one per range.
 * The flow is principal Host::"src" and resource Host::"dst", each with an `ip` attribute, action
 * Action::"connect", context {proto, port}. NOT covered: longest-prefix resolution (an address in
 * a CIDR nested inside another segment's matches both), the ceiling, sanitizers, exceptions,
 * defaults, and the rules after the first K. So the Cedar figure is an upper bound for the full
 * semantics; it is measured at two subset sizes to show how it scales with the rule count. Half
 * the flows are aimed inside the covered rules so that both engines have rules to match.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { selectorSegments, serviceRanges, type Model } from '../../src/model/types.js';
import { formatServiceKey, hasPorts } from '../../src/model/services.js';
import { formatV4, rng } from '../synthetic.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { v4Flows, v4Text, type TextFlow } from '../lib/flows.js';
import { fmt, median, round } from '../lib/stats.js';
import { row, type Row, type Scenario } from '../lib/scenario.js';

interface CedarAnswer {
  type: 'success' | 'failure';
  response?: { decision: 'allow' | 'deny'; diagnostics: { errors: unknown[] } };
  errors?: { message: string }[];
}

interface Cedar {
  getCedarVersion(): string;
  preparsePolicySet(id: string, policies: { staticPolicies: string }): { type: string; errors?: { message: string }[] };
  statefulIsAuthorized(call: unknown): CedarAnswer;
}

/** Loaded the CommonJS way: the typed ESM root entry cannot be loaded by Node 20 (see above). */
function loadCedar(): Cedar {
  return createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as Cedar;
}

/**
 * `a || b || …` as a balanced tree of parentheses. Written flat, a disjunction of ~1,000 terms
 * crashes cedar-wasm 4.13 while authorizing ("memory access out of bounds": the evaluator
 * recurses once per operand, deeper than the wasm stack); balanced, the depth is log2 of it.
 */
export function balancedOr(parts: readonly string[]): string {
  if (parts.length === 1) return parts[0]!;
  const mid = parts.length >> 1;
  return `(${balancedOr(parts.slice(0, mid))} || ${balancedOr(parts.slice(mid))})`;
}

function side(model: Model, segs: readonly number[], who: 'principal' | 'resource'): string | null {
  const parts: string[] = [];
  for (const s of segs) for (const c of model.segments[s]!.cidrs) parts.push(`${who}.ip.isInRange(ip("${c.text}"))`);
  return parts.length ? balancedOr(parts) : null;
}

function servicesCondition(ranges: readonly { lo: number; hi: number }[]): string {
  const parts = ranges.map(({ lo, hi }) => {
    const p = Math.floor(lo / 65536);
    const q = Math.floor(hi / 65536);
    if (p !== q) return `(context.proto >= ${p} && context.proto <= ${q})`;
    if (!hasPorts(p)) return `context.proto == ${p}`;
    const a = lo % 65536;
    const b = hi % 65536;
    return a === b ? `(context.proto == ${p} && context.port == ${a})` : `(context.proto == ${p} && context.port >= ${a} && context.port <= ${b})`;
  });
  return balancedOr(parts);
}

/** Cedar policies for the first k flow rules that name segments and groups only. */
export function cedarPolicies(model: Model, k: number): { text: string; rules: number; ranges: number; covered: number[] } {
  const out: string[] = [];
  const covered: number[] = [];
  let ranges = 0;
  for (const f of model.flows) {
    if (out.length >= k) break;
    const named = [...f.from, ...f.to];
    if (named.some((s) => s.text === 'outside' || s.text.startsWith('tier:'))) continue;
    const from = side(model, selectorSegments(f.from), 'principal');
    const to = side(model, selectorSegments(f.to), 'resource');
    if (!from || !to) continue;
    ranges += (from.match(/isInRange/g)?.length ?? 0) + (to.match(/isInRange/g)?.length ?? 0);
    const effect = f.action === 'deny' ? 'forbid' : 'permit';
    covered.push(f.index);
    out.push(`@id("${f.id}")\n${effect}(principal, action == Action::"connect", resource) when {\n  ${from} &&\n  ${to} &&\n  ${servicesCondition(serviceRanges(f.services))}\n};`);
  }
  return { text: out.join('\n'), rules: out.length, ranges, covered };
}

/** Half the flows aimed inside the covered rules (an IPv4 address of each side, a service of the rule), so both engines have rules to match. */
function aimed(model: Model, rules: readonly number[], background: readonly TextFlow[]): TextFlow[] {
  const r = rng(21);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const address = (segs: readonly number[]): string | null => {
    const cidrs = segs.flatMap((s) => model.segments[s]!.cidrs.filter((c) => c.family === 4));
    if (cidrs.length === 0) return null;
    const c = pick(cidrs);
    return formatV4(Number(c.first) + Math.floor(r() * (Number(c.last - c.first) + 1)));
  };
  return background.map((f, i) => {
    if (i % 2 === 1) return f;
    const rule = model.flows[pick(rules)]!;
    const src = address(selectorSegments(rule.from));
    const dst = address(selectorSegments(rule.to));
    const range = pick(serviceRanges(rule.services));
    const key = range.lo + Math.floor(r() * (range.hi - range.lo + 1));
    const proto = Math.floor(key / 65536);
    const port = hasPorts(proto) ? Math.max(1, key % 65536) : 0;
    return src && dst ? { src, dst, service: formatServiceKey(proto * 65536 + port) } : f;
  });
}

const host = (id: string, ip: string) => ({ uid: { type: 'Host', id }, attrs: { ip: { __extn: { fn: 'ip', arg: ip } } }, parents: [] });

function call(setId: string, f: TextFlow) {
  const slash = f.service.indexOf('/');
  const proto = f.service.startsWith('tcp') ? 6 : f.service.startsWith('udp') ? 17 : f.service === 'icmp' ? 1 : f.service === 'icmpv6' ? 58 : Number(f.service.slice(slash + 1));
  const port = proto === 6 || proto === 17 ? Number(f.service.slice(slash + 1)) : 0;
  return {
    principal: { type: 'Host', id: 'src' },
    action: { type: 'Action', id: 'connect' },
    resource: { type: 'Host', id: 'dst' },
    context: { proto, port },
    preparsedPolicySetId: setId,
    entities: [host('src', f.src), host('dst', f.dst)],
  };
}

export const scenario: Scenario = {
  name: 'cedar',
  title: 'Cedar (cedar-wasm) on an equivalent policy for a subset of the rules',
  async run(ctx) {
    const rows: Row[] = [];
    const cedar = loadCedar();
    const set = await ctx.set('prefecture');
    const { model } = set.policy;
    const sizes = ctx.quick ? [50] : [50, 500];
    const runs = ctx.runs(3, 1);
    const flows = aimed(model, cedarPolicies(model, sizes[0]!).covered, v4Text(v4Flows(model, ctx.quick ? 300 : 2000, 12)));
    // The table's text path on the same flows, for the ratio.
    const out = new FlowResult();
    let reps = 0;
    const s0 = performance.now();
    while (performance.now() - s0 < 200) {
      for (const f of flows) resolveFlow(set.policy.table, f.src, f.dst, f.service, out);
      reps++;
    }
    const sansoRate = ((reps * flows.length) / (performance.now() - s0)) * 1000;
    rows.push(
      row({
        scenario: 'cedar',
        set: 'prefecture',
        subject: 'sanso resolveFlow, same flows (all 5,000 rules + tier model)',
        metric: 'rate',
        value: Math.round(sansoRate),
        unit: 'decisions/s',
        runs: 1,
        note: 'wall clock',
      }),
    );
    for (const k of sizes) {
      const p = cedarPolicies(model, k);
      const id = `prefecture-${k}`;
      const t0 = performance.now();
      const parsed = cedar.preparsePolicySet(id, { staticPolicies: p.text });
      const parseMs = performance.now() - t0;
      if (parsed.type !== 'success') throw new Error(`cedar: the generated policies do not parse: ${parsed.errors?.[0]?.message}`);
      const n = k > 100 ? Math.ceil(flows.length / 20) : flows.length / 2;
      const rates: number[] = [];
      let allow = 0;
      let errors = 0;
      let sansoAllow = 0;
      for (let i = 0; i < n; i++) {
        const f = flows[i]!;
        if (resolveFlow(set.policy.table, f.src, f.dst, f.service, out) && set.policy.table.decision(out.decision).decision === 'allow') sansoAllow++;
      }
      for (let r = 0; r < runs; r++) {
        allow = 0;
        errors = 0;
        const s0 = performance.now();
        for (let i = 0; i < n; i++) {
          const a = cedar.statefulIsAuthorized(call(id, flows[i]!));
          if (a.type !== 'success' || a.response!.diagnostics.errors.length > 0) errors++;
          else if (a.response!.decision === 'allow') allow++;
        }
        rates.push((n / (performance.now() - s0)) * 1000);
        ctx.log(`  cedar ${p.rules} policies run ${r + 1}/${runs}: ${fmt(rates[r]!)}/s`);
      }
      rows.push(
        row({
          scenario: 'cedar',
          set: 'prefecture',
          subject: `cedar-wasm ${cedar.getCedarVersion()}, ${p.rules} policies`,
          metric: 'rate',
          value: round(median(rates), 1),
          unit: 'decisions/s',
          runs,
          ratio: { to: 'sanso resolveFlow', value: median(rates) / sansoRate },
          note: `${p.ranges.toLocaleString('en-US')} isInRange terms, ${n} IPv4 flows, wall clock; ${allow} allow (sanso, all rules: ${sansoAllow}), ${errors} errors; preparse ${Math.round(parseMs)} ms`,
        }),
      );
    }
    return rows;
  },
};
