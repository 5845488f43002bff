/**
 * sanso's service as `sanso serve` runs it when deployed: a token list (one decide token), the
 * decision log on, to a file in a temporary directory (removed on exit), no service log. With
 * BENCH_SANSO=bare: no tokens, no decision log. On 127.0.0.1 and a free port, in a child
 * process of the HTTP scenarios so that the load generator has the other core.
 * Usage: sanso.js RULES_DIR AS_OF; reports its port over IPC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  logger: false,
  ...(BARE ? {} : { tokens, decisionLog: { destination: join(dir, 'decisions.log') } }),
});
await serveChild(app);
