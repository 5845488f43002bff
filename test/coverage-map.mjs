// tap's coverage map: which source files each test file covers (null: none).
// - The allocation test measures the optimized hot path, and V8's block-coverage counters change
//   what the optimizer emits (values get boxed), so that test runs without coverage.
// - The Action test runs bin/sanso.ts in child processes under tsx (test/loader.mjs), whose V8
//   coverage is of esbuild's output; tap would map it onto the .ts lines as if it came from
//   ts-node and so spoil the whole report (validate/schema.ts fell from 95 to 41 per cent).
// Every other test covers what it imports.
export default function coverageMap(testFile) {
  return /(alloc|ci[\\/]action)\.test\.ts$/.test(testFile) ? null : [];
}
