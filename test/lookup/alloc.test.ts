/**
 * The hot path allocates nothing: after warming up (so the optimizing compiler has run),
 * deciding 100,000 flows through decide4, decide6 and the text-level resolveFlow leaves the
 * young generation as it found it. Measured by heap-space statistics around each run, with a
 * full GC before it; no timing is involved.
 */
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { loadPolicy } from '../../src/policy.js';
import { generatePrefecture } from '../../bench/synthetic.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// A mid-sized prefecture from the bench's generator, through the real pipeline.
const dir = mkdtempSync(join(tmpdir(), 'sanso-alloc-'));
const prefecture = generatePrefecture(11, { segments: 300, cidrs: 3000, flows: 600, serviceRanges: 60 });
const loaded = loadPolicy(prefecture.writeTo(dir), { asOf: prefecture.asOf });
rmSync(dir, { recursive: true, force: true });
if (!loaded.policy) throw new Error(`the generated prefecture does not load: ${loaded.problems.map((p) => p.message).join('; ')}`);
const table = loaded.policy.table;

function newSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
}

/** Bytes the young generation grew by while `run` ran (a GC first, so it starts empty). */
function allocatedBy(run: () => number): { bytes: number; result: number } {
  gc();
  const before = newSpaceUsed();
  const result = run();
  const bytes = newSpaceUsed() - before;
  return { bytes, result };
}

// Addresses across the synthetic city (10.0.0.0/8 /24s, some above 2^31 as numbers).
const addrs = new Uint32Array(1024);
for (let i = 0; i < addrs.length; i++) addrs[i] = (i & 1 ? 0x0a000000 + i * 997 * 16 : 0xac100000 + i * 4099) >>> 0;
const words = new Uint32Array(8 * 64);
for (let i = 0; i < 64; i++) words.set([0xfd000000 + (i % 3), i << 16, 0, i], i * 4);

// Addresses go in signed (`| 0`), as decide4 asks: it is too large for V8 to inline into a
// caller's loop, and an unsigned number above 2^31 is boxed on its way into a call.
function loop4(n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += table.decide4(addrs[i & 1023]! | 0, addrs[(i * 7 + 1) & 1023]! | 0, i & 1 ? 6 : 17, 1 + (i & 4095));
  return acc;
}
function loop6(n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += table.decide6(words, (i & 63) * 4, words, ((i * 5) & 63) * 4, 6, 1 + (i & 4095));
  return acc;
}
const out = new FlowResult();
const texts = ['10.0.12.7', '10.0.200.1', '172.16.3.9', 'fd00:1:2::5', '::ffff:10.0.1.1', '8.8.8.8'];
const services = ['tcp/443', 'udp/53', 'icmp', 'proto/47', 'tcp/65535'];
function loopText(n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) {
    if (resolveFlow(table, texts[i % 6]!, texts[(i * 5 + 1) % 6]!, services[i % 5]!, out)) acc += out.decision;
  }
  return acc;
}

const N = 100_000;
// Allocating even 16 bytes a call would be 1.6 MB; the threshold leaves room for the
// statistics call itself.
const LIMIT = 64 * 1024;

// Warm up first, so that the optimizing compiler has run before anything is measured.
for (let k = 0; k < 20; k++) {
  loop4(N);
  loop6(N);
  loopText(N);
}

for (const [name, run] of [
  ['decide4', loop4],
  ['decide6', loop6],
  ['resolveFlow (text)', loopText],
] as const) {
  t.test(`${name} allocates nothing`, async (t) => {
    // A measurement can catch a GC-unrelated allocation of the runtime; the best of three counts.
    let best = Infinity;
    let result = 0;
    for (let k = 0; k < 3; k++) {
      const m = allocatedBy(() => run(N));
      best = Math.min(best, m.bytes);
      t.comment(`run ${k}: ${m.bytes}`);
      result = m.result;
    }
    t.ok(result > 0, 'the loop decided something');
    t.ok(best < LIMIT, `young generation grew by ${best} bytes over ${N} calls`);
  });
}

t.test('nothing is retained', async (t) => {
  gc();
  const before = process.memoryUsage().heapUsed;
  loop4(N);
  loopText(N);
  gc();
  const after = process.memoryUsage().heapUsed;
  t.ok(after - before < LIMIT, `heap grew by ${after - before} bytes`);
});
