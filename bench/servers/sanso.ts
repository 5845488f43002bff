/**
 * sanso's service as `sanso serve` runs it when deployed: a token list (one decide token), the
 * decision log on, and the service log at info (both to files in a temporary directory, removed
 * on exit). With BENCH_SANSO=bare: no tokens, no decision log, no service log. On 127.0.0.1 and a free port, in a child
 * process of the HTTP scenarios so that the load generator has the other core.
 * Usage: sanso.js RULES_DIR AS_OF; reports its port over IPC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { hashToken, parseTokens } from '../../src/http/auth.js';
import { buildServer } from '../../src/http/server.js';
import { BARE, BENCH_TOKEN } from '../lib/deployed.js';
import { serveChild } from './serve-child.js';

const [rules, asOf] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'sanso-bench-log-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const tokens = parseTokens(JSON.stringify([{ name: 'bench', sha256: hashToken(BENCH_TOKEN), scopes: ['decide'] }]), 'bench').tokens;
const app = await buildServer({
  rulesPath: rules!,
  asOf: asOf!,
  // As serve.ts makes it: info and up, asynchronous, one JSON line each.
  logger: BARE ? false : pino({ level: 'info', base: { service: 'sanso' } }, pino.destination({ dest: join(dir, 'service.log'), sync: false })),
  ...(BARE ? {} : { tokens, decisionLog: { destination: join(dir, 'decisions.log') } }),
});
await serveChild(app);
