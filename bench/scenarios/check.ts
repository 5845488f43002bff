/**
 * Change-request check (docs/check.md), the worst case: one allow rule 0.0.0.0/0 → 0.0.0.0/0 any,
 * which the checker must decide exactly over every address interval and service class of the
 * rule set (never by sampling). Timed from the parsed request object to the result, parsing
 * included, on a compiled table.
 */
import { performance } from 'node:perf_hooks';
import { checkRequest } from '../../src/check/check.js';
import { parseChangeRequest } from '../../src/check/parse.js';
import { median, round } from '../lib/stats.js';
import { row, SET_NAMES, type Row, type Scenario } from '../lib/scenario.js';

export const REQUEST = { id: 'CR-BENCH', rules: [{ src: ['0.0.0.0/0'], dst: ['0.0.0.0/0'], services: ['any'], action: 'allow' }] };

export const scenario: Scenario = {
  name: 'check',
  title: 'Change-request check: 0.0.0.0/0 → 0.0.0.0/0 any',
  async run(ctx) {
    const rows: Row[] = [];
    for (const name of SET_NAMES) {
      const set = await ctx.set(name);
      const runs = ctx.runs(5, name === 'prefecture' ? 1 : 3);
      const times: number[] = [];
      let summary = '';
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        const parsed = parseChangeRequest(REQUEST, set.policy.table);
        if (!parsed.request) throw new Error(`the change request does not parse: ${parsed.errors[0]?.message}`);
        const result = checkRequest(set.policy, parsed.request, { lang: 'en' });
        times.push(performance.now() - t0);
        const rule = result.rules[0]!;
        const findings = Object.values(rule.counts).reduce<number>((a, b) => a + (b ?? 0), 0);
        summary = `verdict ${result.verdict}, ${findings.toLocaleString('en-US')} distinct (code, src, dst) findings${rule.truncated ? ', listed up to the limit' : ''}`;
        ctx.log(`  ${name} run ${r + 1}/${runs}: ${Math.round(times[r]!)} ms, ${summary}`);
      }
      rows.push(
        row({
          scenario: 'check',
          set: name,
          subject: 'checkRequest 0.0.0.0/0 → 0.0.0.0/0 any',
          metric: 'time',
          value: round(median(times), 1),
          unit: 'ms',
          runs,
          ...(name === 'prefecture' ? { target: { op: '<=', value: 1000 } } : {}),
          note: summary,
        }),
      );
    }
    return rows;
  },
};
