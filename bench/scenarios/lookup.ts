/**
 * Lookup in process: decisions per second through the table's integer entry points over
 * pre-generated flows (IPv4 with decide4, IPv6 with decide6 measured apart), and through the
 * text path an API request takes (resolveFlow: parse two addresses and a service, then decide).
 * Garbage collections and heap growth are counted during each measured loop: the hot path
 * promises to allocate nothing.
 */
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import type { DecisionTable } from '../../src/lookup/table.js';
import { v4Flows, v4Text, v6Flows, v6TextFlows, type TextFlow, type V4Flows, type V6Flows } from '../lib/flows.js';
import { GcCounter } from '../lib/gc.js';
import { fmt, median, round } from '../lib/stats.js';
import { row, SET_NAMES, type Context, type Row, type Scenario } from '../lib/scenario.js';

// Each loop sums the decision ids so the work cannot be optimised away; the sum is reported.

function loop4(t: DecisionTable, f: V4Flows): number {
  const { src, dst, proto, port, n } = f;
  let acc = 0;
  for (let i = 0; i < n; i++) acc = (acc + t.decide4(src[i]! | 0, dst[i]! | 0, proto[i]!, port[i]!)) | 0;
  return acc;
}

function loop6(t: DecisionTable, f: V6Flows): number {
  const { src, dst, proto, port, n } = f;
  let acc = 0;
  for (let i = 0; i < n; i++) acc = (acc + t.decide6(src, i * 4, dst, i * 4, proto[i]!, port[i]!)) | 0;
  return acc;
}

function loopText(t: DecisionTable, flows: readonly TextFlow[], out: FlowResult): number {
  let acc = 0;
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!;
    if (resolveFlow(t, f.src, f.dst, f.service, out)) acc = (acc + out.decision) | 0;
    else acc = (acc - 1) | 0;
  }
  return acc;
}

export interface Measured {
  /** Median decisions per second of CPU time (the figure quoted). */
  rate: number;
  /** Median decisions per second of wall-clock time (lower when other work shares the cores). */
  wallRate: number;
  runs: number;
  gcEvents: number;
  maxHeapGrowth: number;
  checksum: number;
}

/** Warm-up, then `runs` measured runs of fn (n items each) from a collected heap. */
export async function measure(ctx: Context, gc: GcCounter, label: string, n: number, runs: number, fn: () => number): Promise<Measured> {
  // Warm-up: let the loop reach its optimised tier before timing.
  fn();
  fn();
  const rates: number[] = [];
  const wallRates: number[] = [];
  let gcEvents = 0;
  let maxHeapGrowth = -Infinity;
  let checksum = 0;
  for (let r = 0; r < runs; r++) {
    const { result, cost } = await gc.measure(fn);
    checksum = result;
    gcEvents += cost.gcEvents;
    maxHeapGrowth = Math.max(maxHeapGrowth, cost.heapGrowth);
    rates.push((n / cost.cpuMs) * 1000);
    wallRates.push((n / cost.wallMs) * 1000);
    ctx.log(
      `  ${label} run ${r + 1}/${runs}: ${fmt((n / cost.cpuMs) * 1000)}/s CPU, ${fmt((n / cost.wallMs) * 1000)}/s wall, ` +
        `${cost.gcEvents} GC, heap ${cost.heapGrowth >= 0 ? '+' : ''}${cost.heapGrowth} B`,
    );
  }
  return { rate: median(rates), wallRate: median(wallRates), runs, gcEvents, maxHeapGrowth, checksum };
}

export const scenario: Scenario = {
  name: 'lookup',
  title: 'Lookup in process (decisions/s, one core)',
  async run(ctx) {
    const rows: Row[] = [];
    const gc = new GcCounter();
    const n4 = ctx.quick ? 1_000_000 : 10_000_000;
    const n6 = ctx.quick ? 200_000 : 2_000_000;
    const nText = ctx.quick ? 200_000 : 1_000_000;
    const runs = ctx.runs(5, 3);
    try {
      for (const name of SET_NAMES) {
        const set = await ctx.set(name);
        const { table, model } = set.policy;
        const base = { scenario: 'lookup', set: name, runs };
        const large = name === 'prefecture';

        const f4 = v4Flows(model, n4, 4);
        const m4 = await measure(ctx, gc, `${name} decide4`, n4, runs, () => loop4(table, f4));
        rows.push(
          row({
            ...base,
            subject: 'sanso decide4 (IPv4, integers)',
            metric: 'rate',
            value: Math.round(m4.rate),
            unit: 'decisions/s',
            ...(large ? { target: { op: '>=', value: 30_000_000 } } : {}),
            note: `${n4.toLocaleString('en-US')} flows per run, CPU time; wall clock ${fmt(m4.wallRate)}/s`,
          }),
        );
        rows.push(
          row({
            ...base,
            subject: 'sanso decide4: GC events in the loop',
            metric: 'count',
            value: m4.gcEvents,
            unit: '',
            ...(large ? { target: { op: '<=', value: 0 } } : {}),
            note: `max heap growth over a run ${m4.maxHeapGrowth} B`,
          }),
        );

        // The same with traffic piled onto a few CIDRs (Zipf, s = 1): what caches see in practice.
        const z4 = v4Flows(model, n4, 5, 1);
        const mz = await measure(ctx, gc, `${name} decide4 skewed`, n4, runs, () => loop4(table, z4));
        rows.push(
          row({
            ...base,
            subject: 'sanso decide4, skewed traffic (Zipf s=1 over CIDRs)',
            metric: 'rate',
            value: Math.round(mz.rate),
            unit: 'decisions/s',
            ratio: { to: 'decide4 uniform', value: round(mz.rate / m4.rate) },
            note: `CPU time; wall ${fmt(mz.wallRate)}/s; ${mz.gcEvents} GC events`,
          }),
        );

        const f6 = v6Flows(model, n6, 6);
        const m6 = await measure(ctx, gc, `${name} decide6`, n6, runs, () => loop6(table, f6));
        rows.push(
          row({
            ...base,
            subject: 'sanso decide6 (IPv6, words)',
            metric: 'rate',
            value: Math.round(m6.rate),
            unit: 'decisions/s',
            ratio: { to: 'decide4', value: round(m6.rate / m4.rate) },
            note: `${n6.toLocaleString('en-US')} flows per run, wall ${fmt(m6.wallRate)}/s, ${m6.gcEvents} GC events, max heap growth ${m6.maxHeapGrowth} B`,
          }),
        );

        // The text path: what one API decision costs before rendering (90 % IPv4, 10 % IPv6).
        const text = [...v4Text(f4, Math.round(nText * 0.9)), ...v6TextFlows(f6, Math.min(n6, Math.round(nText * 0.1)))];
        const out = new FlowResult();
        const mt = await measure(ctx, gc, `${name} resolveFlow`, text.length, runs, () => loopText(table, text, out));
        rows.push(
          row({
            ...base,
            subject: 'sanso resolveFlow (text, parse + decide)',
            metric: 'rate',
            value: Math.round(mt.rate),
            unit: 'decisions/s',
            ratio: { to: 'decide4', value: round(mt.rate / m4.rate) },
            note: `${text.length.toLocaleString('en-US')} flows (90 % IPv4), wall ${fmt(mt.wallRate)}/s, ${mt.gcEvents} GC events, max heap growth ${mt.maxHeapGrowth} B`,
          }),
        );
      }
    } finally {
      gc.close();
    }
    return rows;
  },
};
