/** A benchmark server in a child process: started, asked for its port, stopped by its pid. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Child {
  port: number;
  process: ChildProcess;
  /** The server's CPU time so far, in µs (user + system). */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts bench/servers/<name>.js with args; resolves once it listens. With BENCH_CPU_PROF=DIR in
 * the environment the server runs under `node --cpu-prof` and leaves its profile in DIR; with
 * BENCH_NODE_FLAGS (space-separated, e.g. `--trace-gc`) it gets those flags too.
 */
export function startServer(name: string, args: readonly string[], timeoutMs = 60_000): Promise<Child> {
  const script = fileURLToPath(new URL(`../servers/${name}.js`, import.meta.url));
  const prof = process.env.BENCH_CPU_PROF;
  const execArgv = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  execArgv.push(...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== ''));
  const child = fork(script, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${name} server did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} server exited with code ${code} before listening`));
    });
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        port: m.port,
        process: child,
        cpu: () =>
          new Promise<number>((done) => {
            const on = (m: { usage?: NodeJS.CpuUsage }) => {
              if (!m.usage) return;
              child.off('message', on);
              done(m.usage.user + m.usage.system);
            };
            child.on('message', on);
            child.send('usage');
          }),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.disconnect();
          }),
      });
    });
  });
}
