/**
 * Decision diff (`sanso diff`): the prefecture against a copy that differs in 50 rules, the size
 * of a busy pull request — 20 rules removed, 15 given another rule's services, 15 added (copies
 * of existing grants, turned around). Timed: diffTables on the two compiled tables, exact over
 * every address region and service region (compiling each side is the compile scenario's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { diffTables } from '../../src/diff/diff.js';
import { loadPolicy } from '../../src/policy.js';
import { SEED } from '../lib/rulesets.js';
import { median, round } from '../lib/stats.js';
import { row, type Row, type Scenario } from '../lib/scenario.js';
import { generatePrefecture, rng } from '../synthetic.js';

/** Changes 50 rules of the prefecture in place; intra-tier rules only, so the copy stays valid. */
export function change50(flows: { id: string; from: string[]; to: string[]; services: string[]; action?: 'allow' | 'deny' }[]): void {
  const r = rng(SEED + 1);
  const pick = (): number => Math.floor(r() * flows.length);
  const intra = (f: (typeof flows)[number]): boolean =>
    f.from.every((s) => s.slice(0, 4) === f.from[0]!.slice(0, 4)) && f.to.every((s) => s.slice(0, 4) === f.from[0]!.slice(0, 4)) && f.action !== 'deny';
  for (let k = 0; k < 20; k++) flows.splice(pick(), 1);
  for (let k = 0; k < 15; ) {
    const f = flows[pick()]!;
    if (!intra(f)) continue;
    f.services = [...flows[pick()]!.services];
    k++;
  }
  for (let k = 0; k < 15; ) {
    const f = flows[pick()]!;
    if (!intra(f)) continue;
    flows.splice(pick(), 0, { id: `F-NEW-${k + 1}`, from: [...f.to], to: [...f.from], services: [...f.services] });
    k++;
  }
}

export const scenario: Scenario = {
  name: 'diff',
  title: 'Decision diff: the prefecture against a copy differing in 50 rules',
  async run(ctx) {
    const set = await ctx.set('prefecture');
    const p = generatePrefecture(SEED, set.size);
    change50(p.rules.flows as Parameters<typeof change50>[0]);
    const dir = mkdtempSync(join(tmpdir(), 'sanso-bench-diff-'));
    try {
      p.writeTo(dir);
      const t0 = performance.now();
      const loaded = loadPolicy([dir], { asOf: set.asOf });
      if (!loaded.policy) throw new Error(`the changed prefecture does not load: ${loaded.problems.find((x) => x.severity === 'error')?.message}`);
      ctx.log(`  loaded the changed copy in ${Math.round(performance.now() - t0)} ms`);
      const runs = ctx.runs(5, 2);
      const times: number[] = [];
      let note = '';
      for (let k = 0; k < runs; k++) {
        const t1 = performance.now();
        const result = diffTables(set.policy.table, loaded.policy.table);
        times.push(performance.now() - t1);
        const c = result.counts;
        note = `${c['newly-allowed']} newly allowed, ${c['newly-denied']} newly denied, ${c['reason-changed']} reason changed (segment pairs × decisions)`;
        ctx.log(`  run ${k + 1}/${runs}: ${Math.round(times[k]!)} ms, ${note}`);
      }
      const rows: Row[] = [
        row({
          scenario: 'diff',
          set: 'prefecture',
          subject: 'diffTables, 50 rules changed',
          metric: 'time',
          value: round(median(times), 1),
          unit: 'ms',
          runs,
          target: { op: '<=', value: 2000 },
          note,
        }),
      ];
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
