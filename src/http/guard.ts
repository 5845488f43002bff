/**
 * The one onRequest hook: everything decided from the request line and headers alone, before a
 * byte of the body is read or parsed. A route opts in by declaration (its config: `scope`,
 * `body: 'none'`), so a route added later gets the same treatment by saying what it is:
 *
 *   1. Host (open mode only, once listening): an IP literal or localhost, on the port we listen
 *      on, or a name given by --allowed-host. A DNS-rebinding page reaches us under its own
 *      name, so it is refused (421) before it can read anything.
 *   2. Bodies: GET/HEAD routes, unknown routes (404/405) and routes declaring `body: 'none'` take
 *      none; a Content-Length above 0 or a chunked body is refused unread (400 BODY-NOT-ALLOWED)
 *      and the connection closed, so nobody can make us parse a megabyte without a route.
 *   3. The token (when tokens are configured) and its scope.
 *   4. Encodings: a Content-Encoding other than identity, or a charset other than UTF-8, is 415.
 *   5. State-changing methods need a Content-Type the route accepts, even with no body: a
 *      cross-site form or a body-less fetch cannot send application/json without a preflight.
 *
 * Callback style and no allocation on the common path: this runs on every request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { authenticate, hasScope, type Caller, type Scope, type TokenEntry } from './auth.js';
import { sendProblem } from './problems.js';
import type { SansoContext } from './server.js';

/** A verdict that lets a request through with no caller: no token needed (open mode, or an open route). */
export const PASS = 'pass' as const;
/** Why guard() refuses a request: the step that refused it (the numbers above). */
export type Refusal = 'host' | 'body' | 'token' | 'scope' | 'encoding' | 'media';
/**
 * guard()'s verdict, from the route's declaration, the method and the headers alone: the caller
 * its token names, PASS, or the refusal. It answers nothing, records no event and allocates
 * nothing (it keeps only the caller of a scope refusal, for the message). guard() then answers
 * a refusal and records it; the front door (front-door.ts) takes only what passes and leaves
 * the rest to guard().
 */
export type Verdict = Caller | typeof PASS | Refusal;

const NO_TOKEN = { en: 'this route needs a bearer token', ja: 'このルートにはベアラートークンが必要です' };
const BAD_TOKEN = { en: 'the bearer token is not valid', ja: 'ベアラートークンが正しくありません' };

const MEDIA = /^\s*([^;\s]+)\s*(?:;(.*))?$/;

/** The media type of a Content-Type header, lower-cased, and whether its charset (if any) is UTF-8. */
export function mediaType(header: string): { type: string; utf8: boolean } | null {
  const m = MEDIA.exec(header);
  if (!m) return null;
  let utf8 = true;
  const params = m[2];
  if (params !== undefined) {
    for (const part of params.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
      const v = part
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '')
        .toLowerCase();
      utf8 = v === 'utf-8' || v === 'utf8';
    }
  }
  return { type: m[1]!.toLowerCase(), utf8 };
}

/** The host part of a Host header ("[::1]:8080" → "::1", "a.example:80" → "a.example"), and its port. */
export function splitHost(host: string): { name: string; port: string | null } {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return { name: host, port: null };
    const rest = host.slice(end + 1);
    return {
      name: host.slice(1, end),
      port: rest.startsWith(':') ? rest.slice(1) : null,
    };
  }
  const c = host.lastIndexOf(':');
  if (c < 0 || host.indexOf(':') !== c) return { name: host, port: null };
  return { name: host.slice(0, c), port: host.slice(c + 1) };
}

function hasBody(h: IncomingHttpHeaders): boolean {
  if (h['transfer-encoding'] !== undefined) return true;
  const len = h['content-length'];
  return len !== undefined && len !== '0';
}

/** Media types each route accepts, as its content-type parsers say (json everywhere; ndjson on batch). */
const ACCEPTED = new Set(['application/json', 'application/x-ndjson']);
const JSON_MEDIA = { type: 'application/json', utf8: true };

/**
 * Authorization headers that authenticated lately, and their caller: a client sends the same
 * header with every request, and hashing it each time was the largest cost of a decide after
 * Fastify's own. Only headers that matched a token are kept (at most 64; the list is emptied
 * when full and when the token list is replaced), so a miss — any guess — still goes through
 * authenticate()'s hash and constant-time comparison with every token. A hit is a hash-table
 * lookup of the whole header, which tells a guesser nothing about a prefix. Expiry is checked
 * on every hit.
 */
class KnownTokens {
  private tokens: readonly TokenEntry[] | null = null;
  private readonly map = new Map<string, TokenEntry>();

  lookup(tokens: readonly TokenEntry[], header: string | undefined): Caller | null {
    if (header === undefined) return null;
    if (tokens !== this.tokens) {
      this.map.clear();
      this.tokens = tokens;
    }
    const hit = this.map.get(header);
    if (hit !== undefined) return hit.expires !== undefined && Date.now() >= hit.expires ? null : hit;
    const caller = authenticate(tokens, header) as TokenEntry | null;
    if (caller !== null) {
      if (this.map.size >= 64) this.map.clear();
      this.map.set(header, caller);
    }
    return caller;
  }
}

/** What a route declares, read once when the route is added (not per request). */
export interface RouteDeclaration {
  url: string | null;
  method: string;
  scope: Scope | 'open' | 'any' | undefined;
  body: 'none' | undefined;
}

/**
 * The guard: `forRoute(declaration)` is the onRequest hook a route gets (server.ts adds it in
 * onRoute, so a route added later gets it by declaring scope and body), and `unknown` the global
 * one, which acts only on requests no route matched (404 and 405).
 */
export function requestGuard(app: FastifyInstance, ctx: SansoContext, allowedHosts: readonly string[]) {
  const known = new KnownTokens();
  /** The declarations forRoute() was given, by method and URL (for verdictFor). */
  const declared = new Map<string, RouteDeclaration>();
  /** The caller of the last 'scope' verdict, for its refusal's message: the same lookup's answer. */
  let wanting: Caller | null = null;
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  let port: string | null = null;
  const listeningPort = (): string | null => {
    if (port !== null) return port;
    const a = app.server.address();
    if (a && typeof a === 'object') port = String(a.port);
    return port;
  };

  /** Step 1: whether Host names us (open mode). Before listen() (inject) there is nothing to compare. */
  function hostAllowed(host: string | undefined): boolean {
    const p = listeningPort();
    if (p === null) return true;
    const { name, port: hp } = splitHost((host ?? '').toLowerCase());
    const nameOk = name === 'localhost' || isIP(name) !== 0 || allowed.has(name);
    return nameOk && (hp !== null ? hp === p : p === '80');
  }

  /** Steps 1 to 5, in order: the first that refuses names the verdict. */
  function verdict(route: RouteDeclaration | null, method: string, headers: IncomingHttpHeaders): Verdict {
    // 1. Host, in open mode. inject() (tests) is not listening: nothing to compare against.
    if (!ctx.secured && !hostAllowed(headers.host)) return 'host';
    // 2. Bodies where none is taken.
    const unknown = route === null;
    const noBody = unknown || method === 'GET' || method === 'HEAD' || route.body === 'none';
    if (noBody && hasBody(headers)) return 'body';
    // 3. The token (a caller without one learns nothing more of the route).
    let pass: Caller | typeof PASS = PASS;
    const scope = unknown ? undefined : route.scope;
    if (ctx.secured && scope !== undefined && scope !== 'open') {
      const caller = known.lookup(ctx.tokens, headers.authorization);
      if (caller === null) return 'token';
      if (scope !== 'any' && !hasScope(caller, scope)) {
        wanting = caller;
        return 'scope';
      }
      pass = caller;
    }
    if (!unknown && method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
      // 4. Encodings.
      const enc = headers['content-encoding'];
      if (enc !== undefined && enc.trim().toLowerCase() !== 'identity') return 'encoding';
      // 5. A Content-Type this service reads, in UTF-8, even with no body. The common header
      // as sent needs no parsing.
      const ct = headers['content-type'];
      const media = ct === 'application/json' || ct === 'application/json; charset=utf-8' ? JSON_MEDIA : ct === undefined ? null : mediaType(ct);
      if (media === null || !ACCEPTED.has(media.type) || !media.utf8) return 'media';
    }
    return pass;
  }

  function guard(route: RouteDeclaration | null, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    if (route !== null) request.sansoRoute = route.url;
    const v = verdict(route, request.method, request.headers);
    if (v === PASS) return done();
    if (typeof v === 'object') {
      request.caller = v;
      return done();
    }
    refuse(v, route, request, reply);
  }

  /** A refusal answered (a problem document) and, where it is one, recorded as a security event. */
  function refuse(why: Refusal, route: RouteDeclaration | null, request: FastifyRequest, reply: FastifyReply): void {
    const headers = request.headers;
    const method = request.method;
    switch (why) {
      case 'host':
        reply.header('connection', 'close');
        ctx.security('host-refused', request, {
          host: (headers.host ?? '').slice(0, 100),
        });
        sendProblem(reply, 'HOST-NOT-ALLOWED', {
          en: 'this open service answers only requests addressed to it by IP address or localhost on its own port (see docs/service.md, Open mode)',
          ja: 'このオープンモードのサービスは、IP アドレスか localhost と自身のポートで宛てられたリクエストにだけ応答します（docs/service.md の Open mode を参照）',
        });
        return;
      case 'body':
        // Unread: the connection cannot be reused, so it is closed after the answer.
        reply.header('connection', 'close');
        sendProblem(reply, 'BODY-NOT-ALLOWED', {
          en: `${method} ${route === null ? 'on an unknown route' : 'on this route'} takes no body`,
          ja: `${route === null ? '未知のルート' : 'このルート'}の ${method} は本文を受け付けません`,
        });
        return;
      case 'token':
        reply.header('www-authenticate', 'Bearer realm="sanso"');
        ctx.security('auth-failed', request, {
          reason: headers.authorization === undefined ? 'no token' : 'invalid token',
        });
        sendProblem(reply, 'UNAUTHORIZED', headers.authorization === undefined ? NO_TOKEN : BAD_TOKEN);
        return;
      case 'scope': {
        const name = wanting?.name ?? '';
        wanting = null;
        const scope = route?.scope;
        reply.header('www-authenticate', `Bearer realm="sanso", error="insufficient_scope", scope="${scope}"`);
        ctx.security('scope-denied', request, { token: name, scope });
        sendProblem(reply, 'FORBIDDEN', {
          en: `this route needs the ${scope} scope (or admin); the token "${name}" lacks it`,
          ja: `このルートには ${scope} のスコープ（または admin）が必要ですが、トークン「${name}」にはありません`,
        });
        return;
      }
      case 'encoding': {
        reply.header('connection', 'close');
        const shown = JSON.stringify((headers['content-encoding'] ?? '').slice(0, 40));
        sendProblem(reply, 'UNSUPPORTED-MEDIA-TYPE', {
          en: `Content-Encoding ${shown} is not accepted; send the body uncompressed`,
          ja: `Content-Encoding ${shown} は受け付けません。本文は圧縮せずに送ってください`,
        });
        return;
      }
      case 'media': {
        reply.header('connection', 'close');
        const ct = headers['content-type'];
        const media = ct === undefined ? null : mediaType(ct);
        const shown = ct === undefined ? '' : JSON.stringify(ct.slice(0, 60));
        const charset = ct !== undefined && media !== null && ACCEPTED.has(media.type);
        const what = ct === undefined ? 'no Content-Type' : charset ? `the charset of ${shown} (only UTF-8 is read)` : `Content-Type ${shown}`;
        const whatJa = ct === undefined ? 'Content-Type がありません' : charset ? `${shown} の文字コードは読めません（UTF-8 のみ）` : `Content-Type ${shown} は受け付けません`;
        const ndjson = route?.url === '/v1/decide/batch';
        sendProblem(reply, 'UNSUPPORTED-MEDIA-TYPE', {
          en: `${what}: this route takes application/json${ndjson ? ' or application/x-ndjson' : ''}`,
          ja: `${whatJa}。このルートは application/json${ndjson ? ' か application/x-ndjson' : ''} を受け付けます`,
        });
        return;
      }
    }
  }

  return {
    /**
     * guard()'s verdict on requests to one declared route, as a function of their headers, for
     * the front door (front-door.ts): the same steps, with the same token cache, but no answer
     * and no record. The front door takes only what passes and leaves every refusal to Fastify,
     * where guard() answers it and records the security event.
     */
    verdictFor(method: string, url: string): (headers: IncomingHttpHeaders) => Verdict {
      const route = declared.get(`${method} ${url}`);
      if (route === undefined) throw new Error(`the guard has no declaration for ${method} ${url}`);
      return (headers) => verdict(route, method, headers);
    },
    forRoute(route: RouteDeclaration) {
      declared.set(`${route.method} ${route.url}`, route);
      return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => guard(route, request, reply, done);
    },
    unknown(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      if (!request.is404) return done();
      guard(null, request, reply, done);
    },
  };
}
