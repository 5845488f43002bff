// The TypeScript loader every test runs under (.taprc: node-arg, test-env), and the child
// processes and worker threads they start: test/loader-hooks.mjs, esbuild stripping types.
// tap's default, ts-node, loads the whole TypeScript compiler into every test process and
// worker thread, which was about half the suite's CPU. Types are checked by `tsc --noEmit`.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// Stack traces and tap's coverage map the stripped code back to the .ts lines.
process.setSourceMapsEnabled(true);
// Node 20 and 21 do not hand a thread's hooks to its worker threads, which run this file again
// (they inherit execArgv); registering twice on later versions is harmless, as the outer hooks
// answer first.
register('./loader-hooks.mjs', import.meta.url);
// .taprc names this file relative to the project root; children started elsewhere inherit execArgv.
const self = process.execArgv.findIndex((a) => /^--import=.*test[\\/]loader\.mjs$/.test(a));
if (self >= 0) process.execArgv[self] = `--import=${import.meta.url}`;

// tap still puts its TypeScript plugin's loader on each test's command line. TAP_TYPE_STRIP_ONLY=1
// (.taprc's test-env) makes that load nothing, but below Node 22 the plugin sets the variable
// back to 0 when the test imports tap, and worker threads and child processes would then load
// ts-node after all. So a test process runs the plugin's one-time setup now, puts the variable
// back, and leaves the plugin's loader out of the arguments its children inherit.
const tapTs = process.execArgv.findIndex((a) => /[\\/]@tapjs[\\/]typescript[\\/]/.test(a));
if (isMainThread && tapTs >= 0) {
  const { plugin } = await import('@tapjs/typescript');
  plugin();
  process.env.TAP_TYPE_STRIP_ONLY = '1';
  process.execArgv.splice(tapTs, 1);
}

// tap's mock plugin puts its loader (module hooks for t.mockImport) on every test's command line,
// and worker threads and child processes inherit it. No test mocks modules: they start without it.
if (isMainThread) {
  const mock = process.execArgv.findIndex((a) => /[\\/]@tapjs[\\/]mock[\\/]/.test(a));
  if (mock >= 0) process.execArgv.splice(mock, 1);
}
