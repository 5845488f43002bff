/** Shared by the HTTP tests: small rule sets in temp directories, tokens, a server per test. */
import { mkdtempSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { parseTokens, hashToken, type TokenEntry } from '../../src/http/auth.js';
import { buildServer, type ServerOptions } from '../../src/http/server.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A temp directory holding the given files; removed when the test ends. */
export function ruleDir(t: Teardown, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-http-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A temp copy of the bundled sample city (rules/ itself is never touched). */
export function sampleCopy(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-sample-'));
  cpSync('rules', dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Two versions of one tiny policy that answer the probe flow (10.1.0.1 → 10.2.0.1 tcp/443)
 * differently: A grants it by F-A, B denies it by F-B. A broken file fails to load.
 */
export const PROBE = { src: '10.1.0.1', dst: '10.2.0.1', service: 'tcp/443' };
const base = (flow: string) => `policy:
  name: Reload Test
segments:
  - name: lg-a
    tier: lgwan
    cidrs: [10.1.0.0/16]
  - name: lg-b
    tier: lgwan
    cidrs: [10.2.0.0/16]
flows:
${flow}`;
export const POLICY_A = base('  - id: F-A\n    from: [lg-a]\n    to: [lg-b]\n    services: [tcp/443]\n');
export const POLICY_B = base('  - id: F-B\n    action: deny\n    from: [lg-a]\n    to: [lg-b]\n    services: [tcp/443]\n');
export const POLICY_BROKEN = 'segments: [\n  - name: x\n';

/** The tokens the scope tests use; each token's text is its name. */
export const TOKEN_SCOPES = {
  'tok-decide': ['decide'],
  'tok-check': ['check'],
  'tok-reader': ['read-policy'],
  'tok-metrics': ['metrics'],
  'tok-admin': ['admin'],
} as const;

export function testTokens(): TokenEntry[] {
  const list = Object.entries(TOKEN_SCOPES).map(([name, scopes]) => ({ name, sha256: hashToken(name), scopes }));
  const r = parseTokens(JSON.stringify(list), 'test');
  if (r.errors.length) throw new Error(r.errors.join('\n'));
  return r.tokens;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** A server on the sample city (or `rulesPath`), closed when the test ends. */
export async function server(t: Teardown, opts: Partial<ServerOptions> = {}): Promise<FastifyInstance> {
  const app = await buildServer({ rulesPath: 'rules/', ...opts });
  t.teardown(() => app.close());
  return app;
}

/** A decision-log destination that keeps every line written to it, parsed. */
export function logSink() {
  const entries: Record<string, any>[] = [];
  let buf = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        entries.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
      done();
    },
  });
  return { stream, entries };
}
