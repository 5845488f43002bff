/**
 * The audit engine against the naive references, on random rule sets and random devices:
 *
 * 1. The compiled device lookup (range classes, chains evaluated on bitsets) gives every flow the
 *    verdict and deciding rule the naive first-match evaluator (test/reference/device.ts) gives.
 * 2. Every finding's witness flow decides as reported on both sides (device rule or default,
 *    policy code, segments), and findings are unique per (kind, code, segments, rule), with
 *    counts equal to the findings listed.
 * 3. A flow the audit covers on which device and policy disagree lies in a reported finding.
 * 4. A rule reported unreachable is never reached by a flow the audit covers.
 *
 * SANSO_PROP_SCALE=X multiplies the number of runs (default 60; test/property/settings.ts).
 */
import assert from 'node:assert/strict';
import fc from '../property/fc.js';
import t from 'tap';
import { auditDevice, interfaceMap, prepareDevice, type AuditFinding } from '../../src/audit/audit.js';
import { DeviceLookup } from '../../src/audit/lookup.js';
import type { Condition, Device, DeviceRule, DeviceVerdict } from '../../src/device/types.js';
import { parseAddress } from '../../src/lookup/flow.js';
import { formatServiceKey } from '../../src/model/services.js';
import { ruleSetArb } from '../reference/arbitrary.js';
import { evaluateDevice, type DeviceFlow } from '../reference/device.js';
import { ReferenceEvaluator, parseFlowAddress, parseFlowService } from '../reference/evaluator.js';
import { policyOf } from '../check/policy.js';
import { addressText, buildDevice, deviceGene, edgeAddresses, IFACES, segmentSpans, serviceEdges } from './device-arb.js';
import { runs } from '../property/settings.js';

const RUNS = runs(60);

/** The reference evaluator again, recording every rule a flow reaches and matches. */
function reached(device: Device, f: DeviceFlow): Set<DeviceRule> {
  const seen = new Set<DeviceRule>();
  const inSet = (c: Extract<Condition, { kind: 'src' }>['set'], a: number | bigint): boolean =>
    f.family === 4 ? c.v4.some((r) => (a as number) >= r.lo && (a as number) <= r.hi) : c.v6.some((r) => (a as bigint) >= r.lo && (a as bigint) <= r.hi);
  const holds = (c: Condition): boolean => {
    let m: boolean;
    switch (c.kind) {
      case 'never':
        return false;
      case 'src':
        m = inSet(c.set, f.src);
        break;
      case 'dst':
        m = inSet(c.set, f.dst);
        break;
      case 'service':
        m = c.ranges.some((r) => f.key >= r.lo && f.key <= r.hi);
        break;
      case 'in':
        m = f.inIf != null && c.names.includes(f.inIf);
        break;
      case 'out':
        m = f.outIf != null && c.names.includes(f.outIf);
        break;
      case 'family':
        m = f.family === c.family;
        break;
    }
    return c.negate ? !m : m;
  };
  const run = (name: string): 'accept' | 'drop' | null => {
    const chain = device.chains.get(name)!;
    for (const rule of chain.rules) {
      if (!rule.conditions.every(holds)) continue;
      seen.add(rule);
      const tg = rule.target;
      if (tg.kind === 'accept' || tg.kind === 'drop') return tg.kind;
      if (tg.kind === 'return') return null;
      if (tg.kind === 'continue') continue;
      const v = run(tg.chain);
      if (v) return v;
      if (tg.kind === 'goto') return null;
    }
    return chain.policy;
  };
  for (const e of device.entry) {
    const v = run(e) ?? device.chains.get(e)!.policy ?? 'accept';
    if (v === 'drop') break;
  }
  return seen;
}

const scenario = fc.record({
  rules: ruleSetArb({ maxSegments: 8, maxFlows: 8, maxExceptions: 2 }),
  device: deviceGene,
  ifacePicks: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 20, maxLength: 20 }),
  flows: fc.array(fc.record({ v6: fc.boolean(), s: fc.nat(), d: fc.nat(), k: fc.nat() }), { minLength: 30, maxLength: 60 }),
});

function findingKey(f: {
  kind: string;
  code: string | null;
  src: { segment: string } | null;
  dst: { segment: string } | null;
  device: { line: number | null; chain: string; default: boolean };
}): string {
  return `${f.kind}|${f.code}|${f.src?.segment}|${f.dst?.segment}|${f.device.default ? `default:${f.device.chain}` : f.device.line}`;
}

/** As the audit reports a verdict: the rule's line, or the line the chain's policy stands on. */
function verdictRef(v: DeviceVerdict, device: Device): { line: number | null; chain: string; default: boolean } {
  return v.rule ? { line: v.rule.loc.line, chain: v.chain, default: false } : { line: device.chains.get(v.chain)?.policyLoc?.line ?? null, chain: v.chain, default: true };
}

t.test('audit agrees with the naive device and policy references', async (tt) => {
  // How often each case came up: a generator that never makes them would prove nothing.
  const seen: Record<string, number> = { violation: 0, ungranted: 0, outage: 0, unreachable: 0, disagreement: 0, audited: 0, jump: 0 };
  fc.assert(
    fc.property(scenario, ({ rules, device: gene, ifacePicks, flows }) => {
      const policy = policyOf(rules.files, rules.asOf);
      const { table, model } = policy;
      const spans = segmentSpans(rules.rules);
      const device = buildDevice(gene, spans);
      const nSeg = model.segments.length;
      const segIface = model.segments.map((_, i) => ifacePicks[i % ifacePicks.length]!);
      const ifaces = gene.interfaces
        ? interfaceMap(
            IFACES,
            IFACES.map((_, k) => segIface.flatMap((x, s) => (x === k ? [s] : []))),
            nSeg,
          )
        : null;
      const ifaceOf = (segName: string): string | null => {
        if (!ifaces) return null;
        const i = model.segments.findIndex((s) => s.name === segName);
        const k = ifaces.segmentIface[i]!;
        return k >= 0 ? IFACES[k]! : null;
      };
      const prep = prepareDevice(device, table, ifaces);
      const lookup = new DeviceLookup(prep);
      const result = auditDevice(prep, table, { lang: 'en', maxFindings: 1_000_000 });
      const refPolicy = new ReferenceEvaluator(rules.rules, rules.asOf);
      const R = prep.dev.rules.length;

      // 2. Witnesses, uniqueness, counts.
      const keys = new Set<string>();
      const perKind: Record<string, number> = {};
      for (const f of result.findings) {
        const k = findingKey(f);
        assert.ok(!keys.has(k), `duplicate finding ${k}`);
        keys.add(k);
        perKind[f.kind] = (perKind[f.kind] ?? 0) + 1;
        seen[f.kind]!++;
        if (f.kind === 'unreachable') continue;
        const w = f.witness!;
        const pol = refPolicy.decide(w.src, w.dst, w.service);
        assert.ok(pol.ok);
        assert.equal(pol.decision.code, f.code, `policy code of witness ${JSON.stringify(w)}`);
        assert.equal(pol.decision.src.segment, f.src!.segment);
        assert.equal(pol.decision.dst.segment, f.dst!.segment);
        const s = parseFlowAddress(w.src)!;
        const d = parseFlowAddress(w.dst)!;
        const flow: DeviceFlow = {
          family: s.family,
          src: s.family === 4 ? Number(s.value) : s.value,
          dst: d.family === 4 ? Number(d.value) : d.value,
          key: parseFlowService(w.service)!,
          inIf: ifaceOf(f.src!.segment),
          outIf: ifaceOf(f.dst!.segment),
        };
        const v = evaluateDevice(device, flow);
        assert.deepEqual(verdictRef(v, device), { line: f.device.line, chain: f.device.chain, default: f.device.default }, `device verdict of witness ${JSON.stringify(w)}`);
        assert.equal(v.action === 'accept', f.kind !== 'outage');
      }
      for (const kind of ['violation', 'ungranted', 'outage', 'unreachable'] as const) assert.equal(result.counts[kind], perKind[kind] ?? 0, `count of ${kind}`);
      const unreachable = new Set(result.findings.filter((f) => f.kind === 'unreachable').map((f) => f.device.line));

      // 1, 3, 4. Flows at the edges of every range.
      const edges = edgeAddresses(device, spans);
      const keysV = serviceEdges(device);
      const words = new Uint32Array(8);
      for (const fl of flows) {
        const fam: 4 | 6 = fl.v6 ? 6 : 4;
        const pool = fam === 4 ? edges.v4 : edges.v6;
        const src = pool[fl.s % pool.length]!;
        const dst = pool[fl.d % pool.length]!;
        const key = keysV[fl.k % keysV.length]!;
        const st = addressText(fam, src);
        const dt = addressText(fam, dst);
        const svc = formatServiceKey(key);
        const pol = refPolicy.decide(st, dt, svc);
        assert.ok(pol.ok, `${st} ${dt} ${svc}`);
        const inIf = ifaceOf(pol.decision.src.segment);
        const outIf = ifaceOf(pol.decision.dst.segment);
        const flow: DeviceFlow = { family: fam, src: fam === 4 ? Number(src) : src, dst: fam === 4 ? Number(dst) : dst, key, inIf, outIf };
        const v = evaluateDevice(device, flow);
        assert.equal(parseAddress(st, words.subarray(0, 4)), null);
        assert.equal(parseAddress(dt, words.subarray(4, 8)), null);
        const o = lookup.outcome(lookup.srcClass(words, 0), lookup.dstClass(words, 4), lookup.serviceClass(Math.floor(key / 65536), key % 65536));
        const got =
          o < R
            ? { line: prep.dev.rules[o]!.rule.loc.line, chain: prep.dev.chains[prep.dev.rules[o]!.chain]!.name, default: false }
            : { line: device.chains.get(prep.dev.chains[o - R]!.name)!.policyLoc?.line ?? null, chain: prep.dev.chains[o - R]!.name, default: true };
        assert.deepEqual(got, verdictRef(v, device), `device verdict of ${st} ${dt} ${svc}`);
        assert.equal(lookup.accepts[o] === 1, v.action === 'accept');

        const audited = device.families.includes(fam) && (!ifaces || (inIf !== null && outIf !== null && inIf !== outIf));
        if (!audited) continue;
        seen.audited!++;
        if ([...reached(device, flow)].some((r) => r.target.kind === 'jump' || r.target.kind === 'goto')) seen.jump!++;
        for (const r of reached(device, flow)) assert.ok(!unreachable.has(r.loc.line), `rule at line ${r.loc.line} reported unreachable but ${st} ${dt} ${svc} reaches it`);
        const allow = pol.decision.decision === 'allow';
        if ((v.action === 'accept') === allow) continue;
        seen.disagreement!++;
        const kind = allow ? 'outage' : pol.decision.code === 'NO-GRANT' ? 'ungranted' : 'violation';
        const k = findingKey({ kind, code: pol.decision.code, src: pol.decision.src, dst: pol.decision.dst, device: verdictRef(v, device) } as AuditFinding);
        assert.ok(keys.has(k), `disagreement ${st} ${dt} ${svc} (${k}) is not among the findings`);
      }
    }),
    { numRuns: RUNS },
  );
  for (const [k, n] of Object.entries(seen)) tt.ok(n > 0, `${k}: ${n} cases`);
});
