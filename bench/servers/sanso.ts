/**
 * sanso's service as `sanso serve` builds it (buildServer: no tokens, no decision log, no
 * logger), on 127.0.0.1 and a free port, in a child process of the HTTP scenarios so that the
 * load generator has the other core. Usage: sanso.js RULES_DIR AS_OF; reports its port over IPC.
 */
import { buildServer } from '../../src/http/server.js';

const [rules, asOf] = process.argv.slice(2);
const app = await buildServer({ rulesPath: rules!, asOf: asOf!, logger: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
// CPU time used so far: the scenarios divide it by the requests served in between.
process.on('message', (m) => {
  if (m === 'usage') process.send!({ usage: process.cpuUsage() });
});
