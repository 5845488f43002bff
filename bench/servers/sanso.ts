/**
 * sanso's service as `sanso serve` builds it (buildServer: no tokens, no decision log, no
 * logger), on 127.0.0.1 and a free port, in a child process of the HTTP scenarios so that the
 * load generator has the other core. Usage: sanso.js RULES_DIR AS_OF; reports its port over IPC.
 */
import { buildServer } from '../../src/http/server.js';
import { serveChild } from './serve-child.js';

const [rules, asOf] = process.argv.slice(2);
const app = await buildServer({ rulesPath: rules!, asOf: asOf!, logger: false });
await serveChild(app);
