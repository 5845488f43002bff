/**
 * Not a test: prints what compiling the large synthetic city costs and how fast decide4 runs.
 * Run: node --expose-gc --loader @isaacs/ts-node-temp-fork-for-pr-2009/esm test/compile/measure.ts
 */
import { performance } from 'node:perf_hooks';
import { compile } from '../../src/compile/compile.js';
import { analyzeModel } from '../../src/compile/analysis.js';
import { syntheticModel } from './synthetic.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const model = syntheticModel({ groupRuleShare: Number(process.env.GROUP_SHARE ?? 0.1) });
gc();
const before = process.memoryUsage();
const t0 = performance.now();
const table = compile(model, { asOf: '2026-06-15' });
const t1 = performance.now();
gc();
const after = process.memoryUsage();
console.log(table.stats);
console.log(`compile ${(t1 - t0).toFixed(0)} ms; retained heap ${((after.heapUsed - before.heapUsed) / 2 ** 20).toFixed(1)} MB, arrayBuffers ${((after.arrayBuffers - before.arrayBuffers) / 2 ** 20).toFixed(1)} MB`);
const t2 = performance.now();
const problems = analyzeModel(model, { asOf: '2026-06-15' });
console.log(`analysis ${(performance.now() - t2).toFixed(0)} ms, ${problems.length} problems`, Object.entries(problems.reduce<Record<string, number>>((m, p) => ((m[p.code] = (m[p.code] ?? 0) + 1), m), {})));
const n = 10_000_000;
const addrs = new Uint32Array(4096);
for (let i = 0; i < addrs.length; i++) addrs[i] = ((10 << 24) + Math.floor(Math.random() * 14000 * 256)) >>> 0;
let acc = 0;
const t3 = performance.now();
for (let i = 0; i < n; i++) acc += table.decide4(addrs[i & 4095]!, addrs[(i * 7 + 3) & 4095]!, 6, 443 + (i & 1023));
const t4 = performance.now();
console.log(`decide4 ${(n / ((t4 - t3) / 1000) / 1e6).toFixed(1)} M/s (acc ${acc})`);
{
  let a2 = 0;
  const t5 = performance.now();
  for (let i = 0; i < n; i++) a2 += table.segment4(addrs[i & 4095]!);
  const t6 = performance.now();
  console.log(`segment4 ${(n / ((t6 - t5) / 1000) / 1e6).toFixed(1)} M/s (${a2})`);
  const t7 = performance.now();
  for (let i = 0; i < n; i++) a2 += table.decideSegments(i % 2000, (i * 7 + 3) % 2000, 6, 443 + (i & 1023));
  const t8 = performance.now();
  console.log(`decideSegments ${(n / ((t8 - t7) / 1000) / 1e6).toFixed(1)} M/s (${a2})`);
}
