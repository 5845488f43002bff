/**
 * The child's side of bench/lib/child.ts, shared by every benchmark server: listen on a free
 * loopback port, report it over IPC, answer CPU-usage requests (the scenarios divide CPU time by
 * requests served), and close when the parent lets go.
 */
import type { FastifyInstance } from 'fastify';

export async function serveChild(app: FastifyInstance): Promise<void> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  process.on('disconnect', () => {
    // BENCH_SERVER_USAGE=1: the server's own account of its life (user vs system CPU, page
    // faults, context switches) on stderr, for telling the kernel's share from JavaScript's.
    if (process.env.BENCH_SERVER_USAGE) process.stderr.write(`server usage ${JSON.stringify(process.resourceUsage())}\n`);
    void app.close().then(() => process.exit(0));
  });
  process.on('message', (m) => {
    if (m === 'usage') process.send!({ usage: process.cpuUsage() });
  });
}
