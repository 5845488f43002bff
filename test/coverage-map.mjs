// tap's coverage map: which source files each test file covers (null: none, and the file then
// runs without V8's coverage counters).
// - The allocation test measures the optimized hot path, and the counters change what the
//   optimizer emits (values get boxed).
// - The randomized comparisons with a reference (compile, realistic rule sets, audit, check,
//   diff, monitor, the device parsers and the kernel) run the same code thousands of times: the
//   counters nearly doubled their CPU (compile-vs-reference: 9 → 17 s) for lines the unit tests
//   cover anyway. What they check is agreement, not coverage; `npm test` still fails on the
//   thresholds in .taprc without them.
// Every other test covers what it imports.
const UNCOVERED = [/agreement-[a-z]+\.suite\.ts$/, /alloc\.(suite|test)\.ts$/, /(^|\/)property\.test\.ts$/, /-vs-[a-z-]+\.test\.ts$/, /audit\/refine\.test\.ts$/];

export default function coverageMap(testFile) {
  return UNCOVERED.some((re) => re.test(testFile)) ? null : [];
}
