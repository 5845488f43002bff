/**
 * buildServer(): the Fastify instance of the sanso service, loaded and ready but not listening
 * (tests use inject(); `sanso serve` listens). Everything is decided here, once, before
 * traffic: schemas compiled, hooks present only when needed (no tokens → no auth hook), the
 * policy loaded (a rule set with errors refuses to start).
 */
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { Socket } from 'node:net';
import { compile } from '../compile/compile.js';
import { todayIn } from '../model/dates.js';
import { loadPolicy, type LoadedPolicy } from '../policy.js';
import { snapshotRuleSources, type RuleSnapshot } from '../source/read.js';
import type { Problem } from '../problems/problem.js';
import { toolInfo } from '../report/tool.js';
import { readTokenFile, type Caller, type Scope, type TokenEntry } from './auth.js';
import { DecisionLog, type DecisionLogOptions } from './decision-log.js';
import { PolicyLifecycle } from './lifecycle.js';
import { Metrics } from './metrics.js';
import { classify, rawProblemResponse, sendProblem } from './problems.js';
import { jsonParser, DEFAULT_JSON_DEPTH } from './json.js';
import { PolicyPool } from './pool.js';
import { tuneHeapForServing } from './heap.js';
import { sharedCompilers } from './compilers.js';
import { requestGuard } from './guard.js';
import { installFrontDoor } from './front-door.js';
import { loadApiSchemas, schemaName } from './schemas.js';
import { CHANGE_REQUEST_SCHEMA } from '../check/parse.js';
import { auditRoutes } from './routes/audit.js';
import { checkRoutes } from './routes/check.js';
import { decideRoutes } from './routes/decide.js';
import { policyRoutes } from './routes/policy.js';
import { opsRoutes } from './routes/ops.js';
import { matrixRoutes } from './routes/matrix.js';
import { exceptionRoutes } from './routes/exceptions.js';
import { consoleRoutes } from './routes/console.js';
import { pinoIsoTime } from './log-time.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_BATCH_LIMIT = 10_000;
export const DEFAULT_NDJSON_LINE_LIMIT = 16 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** How often Node looks for requests past their timeouts: the timeouts' precision. */
export const DEFAULT_CONNECTIONS_CHECK_MS = 1_000;
/** A socket with no byte either way for this long is closed (a stalled client or reader). */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** SIGTERM: connections still open this long after are cut (Kubernetes' grace period is 30 s). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;
/** Time allowed for the request headers: a slow-headers client is cut off after this. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Open connections at most; more are refused by the kernel-side accept being closed at once. */
export const DEFAULT_MAX_CONNECTIONS = 512;
/** Most rules in one change request. */
export const DEFAULT_MAX_RULES = 256;

export interface ServerOptions {
  /** A rule file or directory (or several), as `--rules`. */
  rulesPath: string | readonly string[];
  /** YYYY-MM-DD: judge exceptions on this date, and never recompile at midnight. */
  asOf?: string;
  /** Parsed tokens (auth.ts loadTokens). None: every route is open (loopback only: see serve). */
  tokens?: readonly TokenEntry[];
  /** The file the tokens came from: read again with every reload (revocation without restart). */
  tokensFile?: string;
  /** A pino logger, true for Fastify's default, false/undefined for none. */
  logger?: FastifyBaseLogger | boolean;
  /** Decision log; false/undefined: off. */
  decisionLog?: DecisionLogOptions | false;
  /** Reload when a rule file changes (default false here; serve turns it on). */
  watch?: boolean;
  watchDebounceMs?: number;
  /** Largest JSON body in bytes (default 1 MiB). A JSON batch may be larger: see batchLimit. */
  bodyLimit?: number;
  /** Most flows in a JSON batch (default 10,000); NDJSON has no such limit. */
  batchLimit?: number;
  /** Longest NDJSON line in bytes (default 16 KiB). */
  ndjsonLineLimit?: number;
  /** Time allowed to receive a whole request, headers and body, in ms (default 120 s). */
  requestTimeout?: number;
  /** How often Node checks that timeout, in ms (default 1 s). */
  connectionsCheckingInterval?: number;
  /** A socket idle both ways this long is closed, in ms (default 30 s; 0: never). */
  idleTimeout?: number;
  /** Time allowed for the request headers, in ms (default 10 s). */
  headersTimeout?: number;
  /** Idle keep-alive time, in ms (default 5 s). */
  keepAliveTimeout?: number;
  /** Most open connections (default 512); connections beyond are closed on arrival. */
  maxConnections?: number;
  /** Policy workers (pool.ts; default cores − 1, 1–4), queue length, time budget per job. */
  workers?: number;
  workerQueue?: number;
  jobTimeoutMs?: number;
  /** Start the workers with the service instead of at the first heavy request (serve does). */
  eagerWorkers?: boolean;
  /** Most rules per change request (default 256), findings per change request (default 10,000), answer bytes (8 MiB). */
  maxRules?: number;
  maxFindings?: number;
  maxAnswerBytes?: number;
  /** Deepest JSON nesting a body may have (default 64). */
  jsonMaxDepth?: number;
  /** Reloads compile on a worker thread, not the event loop (serve: on; default off, as tests reload often). */
  compileOffLoop?: boolean;
  /** Open mode: host names besides IP literals and localhost that Host may carry. */
  allowedHosts?: readonly string[];
  /**
   * Answer plainly valid POST /v1/decide requests before Fastify's request lifecycle
   * (front-door.ts; default true). False sends every request through Fastify: the tests compare
   * the two.
   */
  frontDoor?: boolean;
}

export interface SansoContext {
  lifecycle: PolicyLifecycle<LoadedPolicy>;
  /** Heavy work (check; audit, diff, …) off the event loop: pool.ts. */
  pool: PolicyPool;
  maxRules: number;
  metrics: Metrics;
  decisionLog: DecisionLog | null;
  /** Whether tokens are configured: without them every caller may do everything. */
  secured: boolean;
  /** The tokens accepted now; replaced whole when the token file is read again. */
  tokens: readonly TokenEntry[];
  batchLimit: number;
  ndjsonLineLimit: number;
  /** True from the moment close() starts: /readyz answers 503 so balancers drain us. */
  closing: boolean;
  /** Records a security event (docs/service.md, Security events): service log and decision log. */
  security: (event: SecurityEvent, request: FastifyRequest | null, fields: Record<string, unknown>) => void;
}

export type SecurityEvent = 'auth-failed' | 'scope-denied' | 'host-refused' | 'reload' | 'tokens-reloaded' | 'tokens-reload-failed';

declare module 'fastify' {
  interface FastifyInstance {
    sanso: SansoContext;
  }
  interface FastifyRequest {
    caller: Caller | null;
    /** The matched route's template (set by its guard; null for unknown routes): metrics labels. */
    sansoRoute: string | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; 'open' for none; 'any' for any valid token. */
    scope?: Scope | 'open' | 'any';
    /**
     * 'none': the route takes no body; one sent is refused unread (guard.ts). GET and HEAD
     * routes, and unknown routes, take none whatever they say. Default for other methods: a body.
     */
    body?: 'none';
  }
}

/** The rule set has errors: the service does not start. `problems` holds the report. */
export class PolicyLoadError extends Error {
  override name = 'PolicyLoadError';
  constructor(readonly problems: Problem[]) {
    super('the rule set has errors; the service does not start');
  }
}

// Lives in auth.ts so that routes need not import this module (which imports them).
export { canReadPolicy } from './auth.js';

/**
 * Closes the service, finishing requests in flight, but cuts every connection still open after
 * `ms`: a slow client must not hold the process past the orchestrator's grace period.
 */
export async function closeWithin(app: FastifyInstance, ms: number): Promise<'clean' | 'forced'> {
  let forced = false;
  const timer = setTimeout(() => {
    forced = true;
    app.log.warn({ ms }, 'shutdown deadline passed: closing the connections still open');
    app.server.closeAllConnections();
  }, ms);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
  return forced ? 'forced' : 'clean';
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  // Before anything is compiled: see heap.ts.
  tuneHeapForServing();
  const paths = typeof opts.rulesPath === 'string' ? [opts.rulesPath] : [...opts.rulesPath];
  const tokens = opts.tokens ?? [];
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const batchLimit = opts.batchLimit ?? DEFAULT_BATCH_LIMIT;

  const fastifyOpts: FastifyServerOptions = {
    bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestTimeout: opts.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Closing stops accepting connections and drops idle keep-alive ones; requests in flight finish.
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    // The decision log records decisions; per-request access lines would only slow the hot path.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: pino's child() cost ~4 µs of a logged decide's ~35, for a
    // reqId binding that only the internal-error line uses (it names the id itself).
    childLoggerFactory: (logger) => logger,
    // Compiled once per process, however many servers it builds (compilers.ts).
    schemaController: { compilersFactory: sharedCompilers },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      // A response already under way (a long NDJSON stream) must not get a second one written into it.
      const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
      if (socket.writable && !inFlight?.headersSent) {
        const response =
          err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? rawProblemResponse('REQUEST-TIMEOUT', 'the request did not arrive in time')
            : err.code === 'HPE_HEADER_OVERFLOW'
              ? rawProblemResponse('HEADERS-TOO-LARGE', 'the request headers are too large')
              : rawProblemResponse('BAD-HTTP', 'the request is not valid HTTP');
        socket.end(response);
      }
      socket.destroy();
    },
  };
  (fastifyOpts as { http?: object }).http = { connectionsCheckingInterval: opts.connectionsCheckingInterval ?? DEFAULT_CONNECTIONS_CHECK_MS };
  fastifyOpts.connectionTimeout = opts.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS;
  const logger = opts.logger;
  (fastifyOpts as { keepAliveTimeout?: number }).keepAliveTimeout = opts.keepAliveTimeout ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  if (logger !== undefined && typeof logger === 'object') fastifyOpts.loggerInstance = logger;
  else fastifyOpts.logger = logger === true ? { timestamp: pinoIsoTime } : false;
  const app = Fastify(fastifyOpts) as unknown as FastifyInstance;
  // Node swaps the two timeouts when headersTimeout (default 60 s) exceeds requestTimeout.
  const requestTimeout = fastifyOpts.requestTimeout!;
  const headersTimeout = opts.headersTimeout ?? DEFAULT_HEADERS_TIMEOUT_MS;
  app.server.headersTimeout = requestTimeout > 0 ? Math.min(headersTimeout, requestTimeout) : headersTimeout;
  app.server.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  const metrics = new Metrics();
  const pool = new PolicyPool({
    paths,
    ...(opts.workers !== undefined ? { size: opts.workers } : {}),
    ...(opts.workerQueue !== undefined ? { queue: opts.workerQueue } : {}),
    ...(opts.jobTimeoutMs !== undefined ? { timeoutMs: opts.jobTimeoutMs } : {}),
    limits: { ...(opts.maxFindings !== undefined ? { maxFindings: opts.maxFindings } : {}), ...(opts.maxAnswerBytes !== undefined ? { maxAnswerBytes: opts.maxAnswerBytes } : {}) },
    logger: app.log,
  });
  // The bytes each policy was compiled from: workers compile the same bytes (pool.ts).
  const snapshots = new WeakMap<LoadedPolicy, RuleSnapshot>();
  let lifecycle: PolicyLifecycle<LoadedPolicy>;
  const offLoop = opts.compileOffLoop ?? false;
  const load = async (asOf: string | undefined) => {
    const snapshot = snapshotRuleSources(paths);
    // The same bytes judged on the same date: nothing to compile (the loop is not held for
    // seconds by a reload that changes nothing).
    const cur = lifecycle.current;
    if (cur && snapshot.version === cur.version && (asOf ?? todayIn(cur.model.policy.timezone)) === cur.asOf) return { policy: cur, problems: cur.warnings };
    // The first load has nothing to keep answering; later ones compile on a thread of their own.
    const r = offLoop && cur !== null ? await pool.compile(snapshot, asOf) : loadPolicy(paths, { ...(asOf === undefined ? {} : { asOf }), snapshot });
    if (r.policy) snapshots.set(r.policy, snapshot);
    return r;
  };
  lifecycle = new PolicyLifecycle<LoadedPolicy>({
    load,
    recompile: async (p) => {
      const asOf = todayIn(p.model.policy.timezone);
      const snap = snapshots.get(p);
      if (offLoop && snap) {
        // The same bytes, judged on the new date, off the loop.
        const r = await pool.compile(snap, asOf);
        if (r.policy) {
          snapshots.set(r.policy, snap);
          return r.policy;
        }
      }
      const next = { ...p, table: compile(p.model, { asOf }), asOf, loadedAt: new Date() };
      if (snap) snapshots.set(next, snap);
      return next;
    },
    ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}),
    watchPaths: paths,
    ...(opts.watchDebounceMs !== undefined ? { debounceMs: opts.watchDebounceMs } : {}),
    fingerprint: () => snapshotRuleSources(paths).version,
    logger: app.log,
  });
  lifecycle.on('reload', (r: { result: 'ok' | 'failed' | 'unchanged'; at: Date }) => {
    metrics.observeReload(r.result, r.at);
    const p = lifecycle.current;
    if (p) metrics.setPolicy(p.model.policy.name, p.version, p.loadedAt);
    const snap = p ? snapshots.get(p) : undefined;
    if (r.result === 'ok' && p && snap) pool.setPolicy(snap, p.asOf);
  });
  const first = await lifecycle.start();
  if (first.result === 'failed') {
    await lifecycle.close();
    throw new PolicyLoadError(first.problems);
  }

  const ctx: SansoContext = {
    lifecycle,
    pool,
    maxRules: opts.maxRules ?? DEFAULT_MAX_RULES,
    metrics,
    decisionLog: opts.decisionLog ? new DecisionLog(opts.decisionLog) : null,
    secured: tokens.length > 0,
    tokens,
    batchLimit,
    ndjsonLineLimit: opts.ndjsonLineLimit ?? DEFAULT_NDJSON_LINE_LIMIT,
    closing: false,
    security: (event, request, fields) => {
      const entry = { ...fields, ...(request ? { client: request.ip, method: request.method, path: request.routeOptions.url ?? request.url.split('?', 1)[0] } : {}) };
      app.log.warn({ security: event, ...entry }, `security: ${event}`);
      ctx.decisionLog?.security(event, entry);
      metrics.observeSecurity(event);
    },
  };
  app.decorate('sanso', ctx);
  metrics.register('sanso_pool_rejected_total', 'counter', 'Heavy requests refused with 503 OVERLOADED: every policy worker busy and the queue full.', () => pool.rejected);
  metrics.register('sanso_pool_timeouts_total', 'counter', 'Heavy requests abandoned past their time budget (503 TIME-BUDGET); each restarts a worker.', () => pool.timedOut);
  const dlog = ctx.decisionLog;
  if (dlog)
    metrics.register(
      'sanso_decision_log_dropped_total',
      'counter',
      'Decision-log entries dropped because the destination could not keep up (its buffer was full).',
      () => dlog.dropped,
    );
  metrics.register('sanso_pool_jobs', 'gauge', 'Heavy requests running or waiting in the policy worker pool.', () => pool.load);
  app.decorateRequest('caller', null);
  app.decorateRequest('policy', null); // set by the ready hook (ready.ts)
  app.decorateRequest('sansoRoute', null);

  // Only JSON (and, on the batch route, NDJSON): anything else is a 415, never a guess.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonParser(opts.jsonMaxDepth ?? DEFAULT_JSON_DEPTH));

  for (const s of loadApiSchemas(batchLimit)) app.addSchema(s);
  // The change-request schema is the checker's own (schemas/change-request.schema.json), shared
  // with `sanso check`. Fastify's ajv speaks draft-07, the checker's 2020-12: the schema uses
  // nothing the two read differently, and only the OpenAPI document is built from it here.
  const { $schema: _dialect, ...changeRequest } = CHANGE_REQUEST_SCHEMA;
  app.addSchema(changeRequest);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'sanso',
        version: toolInfo().version,
        description:
          'Policy decisions for the three-tier model (三層の対策) of Japanese local-government networks: decide flows, pre-check firewall change requests, read the policy. Errors are RFC 9457 application/problem+json.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token whose SHA-256 digest is configured (see docs/http-api.md, Tokens and scopes).' } },
      },
      tags: [
        { name: 'decide', description: 'Flow decisions (scope decide).' },
        { name: 'check', description: 'Change-request pre-check (scope check).' },
        { name: 'audit', description: 'Firewall audit of a device configuration (scope audit).' },
        { name: 'policy', description: 'The serving policy (CIDRs and rule bodies need read-policy; reload needs admin).' },
        { name: 'ops', description: 'Health, readiness and metrics.' },
      ],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? schemaName(json.$id) : `def-${i}`) },
  });

  // Methods each path answers, for 405 with Allow instead of a bare 404.
  const methodsByPath = new Map<string, Set<string>>();
  // Before any body is read: Host (open mode), body refusal, token, encodings, content type.
  // Each route gets its own guard, made from its declaration once (guard.ts); the global hook
  // acts only on requests no route matched.
  const guard = requestGuard(app, ctx, opts.allowedHosts ?? []);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let set = methodsByPath.get(route.url);
    if (!set) methodsByPath.set(route.url, (set = new Set()));
    for (const m of methods) set.add(m);
    const config = (route.config ?? {}) as { scope?: Scope | 'open' | 'any'; body?: 'none' };
    const hook = guard.forRoute({ url: route.url, method: String(methods[0]), scope: config.scope, body: config.body });
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : [hook, ...(Array.isArray(existing) ? existing : [existing])];
  });
  app.addHook('onRequest', guard.unknown);

  // The token file is read again with every reload of the policy (API, SIGHUP, watch): a
  // revoked token stops working without a restart. A file with errors keeps the tokens as they were.
  const tokensFile = opts.tokensFile;
  if (tokensFile !== undefined && ctx.secured) {
    lifecycle.on('reload', (r: { trigger: string }) => {
      if (r.trigger === 'start' || r.trigger === 'date') return;
      const next = readTokenFile(tokensFile);
      if (next.errors.length > 0) {
        ctx.security('tokens-reload-failed', null, { file: tokensFile, errors: next.errors.slice(0, 5) });
        return;
      }
      const before = new Set(ctx.tokens.map((x) => x.name));
      ctx.tokens = next.tokens;
      const after = new Set(next.tokens.map((x) => x.name));
      ctx.security('tokens-reloaded', null, {
        file: tokensFile,
        tokens: after.size,
        removed: [...before].filter((n) => !after.has(n)),
        added: [...after].filter((n) => !before.has(n)),
      });
    });
  }

  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.sansoRoute ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    // Shutting down: a keep-alive connection whose last request just finished would hold
    // close() until the client lets go; drop it as soon as it is idle.
    if (ctx.closing) setImmediate(() => app.server.closeIdleConnections());
    done();
  });

  app.addHook('preClose', async () => {
    ctx.closing = true;
  });
  app.addHook('onClose', async () => {
    await lifecycle.close();
    await pool.close();
    await ctx.decisionLog?.close();
  });

  app.setErrorHandler((err, request, reply) => {
    const c = classify(err as Error);
    if (c.code === 'INTERNAL') request.log.error({ err, reqId: request.id }, 'internal error');
    // A stream that already started cannot turn into a problem document: end it.
    if (reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    const retry = c.extensions?.retryAfter;
    if (typeof retry === 'number') reply.header('retry-after', String(retry));
    return sendProblem(reply, c.code, c.detail, c.extensions);
  });
  app.setNotFoundHandler((request, reply) => {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    const allowed = methodsByPath.get(path);
    if (allowed && !allowed.has(request.method)) {
      reply.header('allow', [...allowed].sort().join(', '));
      return sendProblem(reply, 'METHOD-NOT-ALLOWED', { en: `${path} does not take ${request.method}`, ja: `${path} は ${request.method} を受け付けません` });
    }
    return sendProblem(reply, 'NOT-FOUND', { en: `no route ${request.method} ${path}`, ja: `ルート ${request.method} ${path} はありません` });
  });

  await app.register(async (i) => decideRoutes(i, ctx));
  await app.register(async (i) => checkRoutes(i, ctx));
  await app.register(async (i) => auditRoutes(i, ctx));
  await app.register(async (i) => policyRoutes(i, ctx));
  await app.register(async (i) => opsRoutes(i, ctx));
  await app.register(async (i) => matrixRoutes(i, ctx));
  await app.register(async (i) => exceptionRoutes(i, ctx));
  await app.register(async (i) => consoleRoutes(i));

  if (opts.watch) lifecycle.watch();
  if (opts.eagerWorkers) pool.start();
  await app.ready();
  if (opts.frontDoor !== false) installFrontDoor(app, ctx, { bodyLimit, verdict: guard.verdictFor('POST', '/v1/decide') });
  return app;
}
