/**
 * The web console (docs/console.md): static files from console/ in the package root, preact and
 * htm served from node_modules under /console/vendor/ (ES modules, no build step, no CDN), and an
 * interactive API reference (Swagger UI) at /docs/ui/. Everything it shows comes from the API
 * with the signed-in token, so scopes and redaction are the API's: the files themselves hold
 * nothing about the city and are open.
 *
 * Every answer of this plugin carries a strict Content-Security-Policy: scripts and styles only
 * from this origin (no inline script or style), no framing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../../source/package-root.js';

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Swagger UI sets inline styles on its elements and loads SVG icons as data: URLs. */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The ES modules the console imports, by the name it imports them under. */
const VENDOR: Record<string, string> = {
  'preact.mjs': 'node_modules/preact/dist/preact.mjs',
  'htm.mjs': 'node_modules/htm/dist/htm.module.js',
};

function securityHeaders(reply: FastifyReply, csp: string): void {
  reply.header('content-security-policy', csp);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

/** Where the console's files are: console/ at the package root. */
export function consoleDir(): string {
  return join(packageRoot(), 'console');
}

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const root = packageRoot();
  const dir = consoleDir();
  // A copy of sanso without console/ (an old image) still serves the API; it says why / is 404.
  if (!existsSync(join(dir, 'index.html'))) {
    app.log.warn({ dir }, 'console files not found: the web console is not served');
  } else {
    await registerConsole(app, root, dir);
  }
  await registerDocsUi(app);
}

async function registerConsole(app: FastifyInstance, root: string, dir: string): Promise<void> {
  const index = readFileSync(join(dir, 'index.html'));
  // Read once: two small files whose paths are fixed, never a path taken from the request.
  const vendor = new Map(Object.entries(VENDOR).map(([name, path]) => [name, readFileSync(join(root, path))]));

  await app.register(async (c) => {
    c.addHook('onSend', async (_request, reply, payload) => {
      securityHeaders(reply, CONSOLE_CSP);
      return payload;
    });
    const page = async (_request: unknown, reply: FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
    const hidden = { config: { scope: 'open' as const }, schema: { hide: true } };
    c.get('/', hidden, page);
    c.get('/console', hidden, async (_request, reply) => reply.redirect('/console/'));
    c.get('/console/', hidden, page);
    for (const [name, body] of vendor) {
      c.get(`/console/vendor/${name}`, hidden, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(body));
    }
    await c.register(fastifyStatic, { root: dir, prefix: '/console/', index: false, list: false, dotfiles: 'deny', decorateReply: false });
  });
}

async function registerDocsUi(app: FastifyInstance): Promise<void> {
  await app.register(async (d) => {
    d.addHook('onSend', async (_request, reply, payload) => {
      securityHeaders(reply, DOCS_CSP);
      return payload;
    });
    await d.register(swaggerUi, { routePrefix: '/docs/ui', uiConfig: { deepLinking: false, tryItOutEnabled: false }, staticCSP: DOCS_CSP });
  });
}
