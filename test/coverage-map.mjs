// tap's coverage map: which source files each test file covers (null: none). The allocation test
// measures the optimized hot path, and V8's block-coverage counters change what the optimizer
// emits (values get boxed), so that test runs without coverage; every other test covers what it
// imports.
export default function coverageMap(testFile) {
  return /alloc\.test\.ts$/.test(testFile) ? null : [];
}
