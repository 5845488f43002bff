/**
 * The naive reference evaluator (test/reference/evaluator.ts: docs/decisions.md read straight off the raw
 * rule data, linear scans, BigInt addresses) on the same flows as the table, far fewer of them,
 * as a rate. It is the algorithm a careful first implementation would write; the table is what
 * compiling it buys. Every decision is also compared with the table's: the figure is only worth
 * quoting if both answer the same.
 */
import { performance } from 'node:perf_hooks';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { ReferenceEvaluator } from '../../test/reference/evaluator.js';
import { v4Flows, v4Text, v6Flows, v6TextFlows } from '../lib/flows.js';
import { fmt, median, round } from '../lib/stats.js';
import { row, SET_NAMES, type Row, type Scenario } from '../lib/scenario.js';

export const scenario: Scenario = {
  name: 'reference',
  title: 'Naive reference evaluator (the algorithm over raw rules) vs the table',
  async run(ctx) {
    const rows: Row[] = [];
    for (const name of SET_NAMES) {
      const set = await ctx.set(name);
      const { table, model } = set.policy;
      const large = name === 'prefecture';
      const n = large ? (ctx.quick ? 10 : 40) : ctx.quick ? 1_000 : 10_000;
      const flows = [...v4Text(v4Flows(model, Math.ceil(n * 0.9), 14)), ...v6TextFlows(v6Flows(model, Math.floor(n * 0.1), 16))];
      const ref = new ReferenceEvaluator(set.raw, set.asOf);
      const runs = ctx.runs(3, 1);
      const rates: number[] = [];
      let agree = 0;
      const out = new FlowResult();
      for (let r = 0; r < runs; r++) {
        agree = 0;
        const t0 = performance.now();
        const answers = flows.map((f) => ref.decide(f.src, f.dst, f.service));
        const ms = performance.now() - t0;
        rates.push((flows.length / ms) * 1000);
        answers.forEach((a, i) => {
          const f = flows[i]!;
          if (!a.ok || !resolveFlow(table, f.src, f.dst, f.service, out)) return;
          const d = table.decision(out.decision);
          const segs = model.segments;
          if (d.code === a.decision.code && d.ruleId === a.decision.rule && segs[out.srcSeg]!.name === a.decision.src.segment && segs[out.dstSeg]!.name === a.decision.dst.segment)
            agree++;
        });
        ctx.log(`  ${name} reference run ${r + 1}/${runs}: ${fmt((flows.length / ms) * 1000)}/s, ${agree}/${flows.length} agree with the table`);
      }
      // The table's text path on the very same flows, repeated until it takes long enough to time.
      let reps = 0;
      const s0 = performance.now();
      let sum = 0;
      while (performance.now() - s0 < 200) {
        for (const f of flows) if (resolveFlow(table, f.src, f.dst, f.service, out)) sum += out.decision;
        reps++;
      }
      const sansoRate = ((reps * flows.length) / (performance.now() - s0)) * 1000;
      rows.push(
        row({
          scenario: 'reference',
          set: name,
          subject: 'sanso resolveFlow, same flows',
          metric: 'rate',
          value: Math.round(sansoRate),
          unit: 'decisions/s',
          runs: 1,
          note: `wall clock, ${reps} passes (checksum ${sum})`,
        }),
      );
      rows.push(
        row({
          ratio: { to: 'sanso resolveFlow', value: median(rates) / sansoRate },
          scenario: 'reference',
          set: name,
          subject: 'reference evaluator (naive)',
          metric: 'rate',
          value: round(median(rates), 1),
          unit: 'decisions/s',
          runs,
          note: `${flows.length} flows (90 % IPv4), wall clock; ${agree}/${flows.length} decisions (code, rule, segments) identical to the table's`,
        }),
      );
    }
    return rows;
  },
};
