/**
 * Compile: model → decision table, timed alone on a freshly built model each run (nothing is
 * memoized), with the stages around it timed once for context. Table bytes are the
 * typed arrays the lookup reads (table.stats.bytes).
 */
import { performance } from 'node:perf_hooks';
import { analyzeCompiled } from '../../src/compile/analysis.js';
import { compileWithInternals } from '../../src/compile/compile.js';
import { buildModel } from '../../src/model/build.js';
import { readRuleSources } from '../../src/source/read.js';
import { checkSchema } from '../../src/validate/schema.js';
import { generatePrefecture } from '../synthetic.js';
import { SEED } from '../lib/rulesets.js';
import { median, round } from '../lib/stats.js';
import { row, SET_NAMES, type Row, type Scenario } from '../lib/scenario.js';

const MB = 2 ** 20;

export const scenario: Scenario = {
  name: 'compile',
  title: 'Compile time and table size',
  async run(ctx) {
    const rows: Row[] = [];
    for (const name of SET_NAMES) {
      const set = await ctx.set(name);
      const large = name === 'prefecture';
      const base = { scenario: 'compile', set: name };
      if (large) {
        const t0 = performance.now();
        generatePrefecture(SEED, set.size);
        rows.push(row({ ...base, subject: 'generatePrefecture', metric: 'time', value: round(performance.now() - t0, 1), unit: 'ms', runs: 1 }));
      }

      const t0 = performance.now();
      const read = readRuleSources([set.dir]);
      const tRead = performance.now();
      for (const f of read.files) checkSchema(f);
      const tSchema = performance.now();
      rows.push(row({ ...base, subject: 'read YAML', metric: 'time', value: round(tRead - t0, 1), unit: 'ms', runs: 1 }));
      rows.push(row({ ...base, subject: 'schema check', metric: 'time', value: round(tSchema - tRead, 1), unit: 'ms', runs: 1 }));

      const runs = ctx.runs(5, large ? 1 : 3);
      const buildTimes: number[] = [];
      const compileTimes: number[] = [];
      const analysisTimes: number[] = [];
      let stats = set.policy.table.stats;
      for (let r = 0; r < runs; r++) {
        const b0 = performance.now();
        const built = buildModel(read.files, read.version, { asOf: set.asOf });
        const b1 = performance.now();
        if (!built.model) throw new Error(`bench: the ${name} model does not build`);
        const compiled = compileWithInternals(built.model, { asOf: set.asOf });
        const table = compiled.table;
        const b2 = performance.now();
        // The analysis reads the table just compiled: this times the analysis alone.
        analyzeCompiled(built.model, compiled);
        const b3 = performance.now();
        buildTimes.push(b1 - b0);
        compileTimes.push(b2 - b1);
        analysisTimes.push(b3 - b2);
        stats = table.stats;
        ctx.log(`  ${name} run ${r + 1}/${runs}: model ${Math.round(b1 - b0)} ms, compile ${Math.round(b2 - b1)} ms, analysis ${Math.round(b3 - b2)} ms`);
      }
      rows.push(row({ ...base, subject: 'build model', metric: 'time', value: round(median(buildTimes), 1), unit: 'ms', runs }));
      rows.push(
        row({
          ...base,
          subject: 'compile',
          metric: 'time',
          value: round(median(compileTimes), 1),
          unit: 'ms',
          runs,
          ...(large ? { target: { op: '<=', value: 2000 } } : {}),
        }),
      );
      rows.push(row({ ...base, subject: 'analysis (warnings)', metric: 'time', value: round(median(analysisTimes), 1), unit: 'ms', runs }));
      rows.push(row({ ...base, subject: 'loadPolicy (validate + compile)', metric: 'time', value: round(set.loadMs, 1), unit: 'ms', runs: 1 }));
      rows.push(
        row({
          ...base,
          subject: 'table',
          metric: 'bytes',
          value: round(stats.bytes / MB, 2),
          unit: 'MB',
          runs: 1,
          ...(large ? { target: { op: '<=', value: 64 } } : {}),
          note:
            `${stats.segments} segments, ${stats.intervals4} v4 + ${stats.intervals6} v6 intervals, ` +
            `${stats.serviceClasses} service classes, ${stats.srcClasses}×${stats.dstClasses} class pairs, ` +
            `${stats.vectors} vectors, ${stats.decisions} decisions, ${stats.cells.toLocaleString('en-US')} cells`,
        }),
      );
      const w = Object.entries(set.warnings)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      rows.push(row({ ...base, subject: 'validation warnings', metric: 'count', value: set.policy.warnings.length, unit: '', runs: 1, note: w || 'none' }));
    }
    return rows;
  },
};
