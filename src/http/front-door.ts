/**
 * The front door: POST /v1/decide in its common form, answered where Node's HTTP server hands
 * over a request, before Fastify's request lifecycle. Everything else — every other route, and
 * every decide request that is not plainly valid — goes through Fastify exactly as before.
 *
 * Why: with the decision log on, a decide costs Fastify's own work per request (routing, hooks,
 * the reply object, the content-type parser, the validator call) plus sanso's, and on the bench
 * machine the kernel charges each microsecond of it about once more in wake-ups of the client. A
 * bare Node handler answering the same constant JSON cost 23 µs of CPU per request where a bare
 * Fastify route cost 28 to 30 (docs/performance.md). The answer, the decision-log entry and the
 * metrics are produced by the same functions as on the Fastify route; only the plumbing around
 * them is skipped.
 *
 * What may come in through the front door, decided from the request line and headers alone,
 * before a byte of the body is read:
 * - `POST /v1/decide`, exactly (no query string), while the service is not closing;
 * - a Content-Length from 1 to the body limit; no Transfer-Encoding, no Expect;
 * - the common form: no Content-Encoding, and a Content-Type of `application/json` with no
 *   charset or UTF-8;
 * - what the guard lets through: its own verdict on the route (guard.ts, verdictFor), from the
 *   same steps as for every request — Host in open mode, the token and its decide scope, and
 *   the rest. A request the guard would refuse goes to Fastify, where the guard answers it and
 *   records the security event.
 *
 * Once the body is in, the front door answers only the common body: `{"src","dst","service"}`
 * in any order with JSON white space, read as the NDJSON batch reads a line (flow-line.ts), whose
 * values the flow parser accepts. Any other body — malformed, a schema error, a bad address, but
 * also an escaped character or a byte-order mark that JSON would accept — is replayed through
 * Fastify with
 * inject(): its answer (status, headers, problem document) is Fastify's own, copied onto the
 * connection. The body has been read by then, so the request itself cannot be handed over.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Caller } from './auth.js';
import { FlowResult, resolveFlow } from '../lookup/flow.js';
import { byteFragments, renderDecisionInto } from '../lookup/render.js';
import { PASS, type Verdict } from './guard.js';
import { FlowLine, scanFlowLine } from './flow-line.js';
import { pickLang } from './lang.js';
import { recordDecide } from './routes/decide.js';
import type { SansoContext } from './server.js';

const FRONT_DOOR_ROUTE = '/v1/decide';
const JSON_TYPE = 'application/json; charset=utf-8';
/** Headers of a replayed answer that belong to the connection, not to the answer. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date']);

/** What the front door did, for tests and the bench: answered itself, or replayed through Fastify. */
export interface FrontDoor {
  answered: number;
  replayed: number;
}

export interface FrontDoorOptions {
  bodyLimit: number;
  /** The guard's verdict on POST /v1/decide from its headers (guard.ts, verdictFor). */
  verdict: (headers: IncomingMessage['headers']) => Verdict;
}

const doors = new WeakMap<FastifyInstance, FrontDoor>();

/** The front door's counts for a server built with it (null without: ServerOptions.frontDoor false). */
export function frontDoorOf(app: FastifyInstance): FrontDoor | null {
  return doors.get(app) ?? null;
}

/**
 * Puts the front door before Fastify's handler on `app.server`. Call once, after app.ready():
 * Fastify has then attached its one 'request' listener, which becomes the way in for the rest.
 */
export function installFrontDoor(app: FastifyInstance, ctx: SansoContext, opts: FrontDoorOptions): FrontDoor {
  const server = app.server;
  const listeners = server.listeners('request');
  if (listeners.length !== 1) throw new Error(`the front door expects Fastify's one request listener, found ${listeners.length}`);
  const fastify = listeners[0] as (req: IncomingMessage, res: ServerResponse) => void;
  const stats: FrontDoor = { answered: 0, replayed: 0 };
  // One scratch result: resolve and render run with no await in between.
  const out = new FlowResult();
  const line = new FlowLine();
  // The answer's bytes, before they are copied out (answer()); grown when a table needs more.
  let scratch = Buffer.allocUnsafeSlow(4096);

  /** Takes the request (true) or leaves it to Fastify (false), from its line and headers. */
  function take(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.url !== FRONT_DOOR_ROUTE || req.method !== 'POST' || ctx.closing) return false;
    const h = req.headers;
    if (h['transfer-encoding'] !== undefined || h.expect !== undefined) return false;
    const length = h['content-length'];
    // Node's parser has checked that it is a number; 0 and too large go to Fastify's answers.
    if (length === undefined || length === '0' || Number(length) > opts.bodyLimit) return false;
    // The common form only: no Content-Encoding named at all (not even identity), and
    // application/json as clients send it. The guard accepts more, through Fastify.
    if (h['content-encoding'] !== undefined) return false;
    const ct = h['content-type'];
    if (ct !== 'application/json' && ct !== 'application/json; charset=utf-8') return false;
    // Whatever the guard would refuse goes to Fastify, where the guard answers and records it.
    const v = opts.verdict(h);
    if (v !== PASS && typeof v !== 'object') return false;
    const caller = v === PASS ? null : v;
    const start = performance.now();
    let body: Buffer | null = null;
    let chunks: Buffer[] | null = null;
    // No 'error' listener: a request the client aborts emits 'error' only to listeners (Node's
    // IncomingMessage), and without 'end' nothing is answered. The test aborts one mid-body.
    req.on('data', (c: Buffer) => {
      if (body === null) body = c;
      else (chunks ??= [body]).push(c);
    });
    req.on('end', () => {
      const bytes = chunks !== null ? Buffer.concat(chunks) : (body ?? Buffer.alloc(0));
      try {
        if (!answer(req, res, bytes, caller, start)) replay(req, res, bytes);
      } catch {
        // Whatever went wrong here, Fastify's route gives the answer (its error handler included).
        if (!res.headersSent) replay(req, res, bytes);
        else res.destroy();
      }
    });
    return true;
  }

  /** Answers a plainly valid flow (true); false leaves the answer to replay(). */
  function answer(req: IncomingMessage, res: ServerResponse, bytes: Buffer, caller: Caller | null, start: number): boolean {
    // Read once, as the ready hook does: the whole answer comes from this policy.
    const p = ctx.lifecycle.current;
    if (p === null) return false;
    const table = p.table;
    // The common body read without JSON.parse (flow-line.ts), as the NDJSON batch reads a line.
    // Its values are the raw text between quotes; the flow parser accepts only ASCII without a
    // backslash, and such text is its own JSON reading, within the schema's lengths. Latin-1
    // decoding is a copy, and for ASCII the same text as UTF-8: a byte above 0x7f fails the scan
    // or the flow parser. Anything else is the route's to read (replay).
    const f = line;
    if (!scanFlowLine(bytes.toString('latin1'), f) || !resolveFlow(table, f.src, f.dst, f.service, out)) return false;
    const id = out.decision;
    // Rendered into one scratch buffer, then copied out as a Latin-1 string: one character per
    // byte, so the UTF-8 of a Japanese message goes out unchanged, and its length is the
    // Content-Length. The answer must not share memory with anything: Node may keep it queued on
    // a connection whose reader has stalled, and a slice of a shared buffer would keep the whole
    // buffer alive (or be overwritten by the next answer). Node's own 8 KiB pool has the same
    // problem on a smaller scale. A string is the answer's own, and Node writes the head and a
    // Latin-1 body as one string with one write(2), as Fastify's string answers go. A Buffer of
    // its own per answer (allocUnsafeSlow) cost about 4 µs a request by hand, alternating rounds:
    // more than the lookup, the rendering and the log entry together.
    const need = byteFragments(table).maxFixed + f.src.length + f.dst.length;
    if (scratch.length < need) scratch = Buffer.allocUnsafeSlow(Math.max(need, 2 * scratch.length));
    const n = renderDecisionInto(scratch, 0, table, id, out.srcSeg, out.dstSeg, f.src, f.dst, pickLang(req.headers['accept-language']));
    const json = scratch.toString('latin1', 0, n);
    // As the route records it. If the log's destination throws, nothing has been counted or
    // sent, and the replay answers as the route does (an internal error). The client is the
    // socket's address, as request.ip is without trustProxy (server.ts sets none).
    const decisionId = recordDecide(ctx, p, id, caller?.name ?? null, req.socket.remoteAddress ?? '', f.src, f.dst, f.service);
    if (decisionId !== null) res.writeHead(200, ['sanso-decision-id', decisionId, 'content-type', JSON_TYPE, 'content-length', String(n)]);
    else res.writeHead(200, ['content-type', JSON_TYPE, 'content-length', String(n)]);
    res.end(json, 'latin1');
    stats.answered++;
    ctx.metrics.observeRequest('POST', FRONT_DOOR_ROUTE, 200, (performance.now() - start) / 1000);
    if (ctx.closing) setImmediate(() => server.closeIdleConnections());
    return true;
  }

  /** The request as it came, through Fastify's route; its answer copied onto this connection. */
  function replay(req: IncomingMessage, res: ServerResponse, bytes: Buffer): void {
    stats.replayed++;
    app
      .inject({
        method: 'POST',
        url: FRONT_DOOR_ROUTE,
        headers: req.headers,
        payload: bytes,
        remoteAddress: req.socket.remoteAddress ?? '127.0.0.1',
      })
      .then(
        (r) => {
          if (res.destroyed) return;
          for (const [k, v] of Object.entries(r.headers)) {
            if (v !== undefined && !CONNECTION_HEADERS.has(k)) res.setHeader(k, v);
          }
          // Fastify closes the connection after some refusals; this connection does the same.
          if (r.headers.connection === 'close') res.setHeader('connection', 'close');
          res.writeHead(r.statusCode);
          res.end(r.rawPayload);
        },
        () => res.destroy(),
      );
  }

  server.removeListener('request', fastify);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!take(req, res)) fastify(req, res);
  });
  doors.set(app, stats);
  return stats;
}
