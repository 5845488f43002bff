/**
 * buildServer(): the Fastify instance of the sanso service, loaded and ready but not listening
 * (tests use inject(); `sanso serve` listens). Everything is decided here, once, before
 * traffic: schemas compiled, hooks present only when needed (no tokens → no auth hook), the
 * policy loaded (a rule set with errors refuses to start).
 */
import Fastify, { LogController, type FastifyInstance, type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { Socket } from 'node:net';
import { compile } from '../compile/compile.js';
import { todayIn } from '../model/dates.js';
import { loadPolicy, type LoadedPolicy } from '../policy.js';
import type { Problem } from '../problems/problem.js';
import { toolInfo } from '../report/tool.js';
import { authenticate, hasScope, type Caller, type Scope, type TokenEntry } from './auth.js';
import { DecisionLog, type DecisionLogOptions } from './decision-log.js';
import { PolicyLifecycle } from './lifecycle.js';
import { Metrics } from './metrics.js';
import { classify, rawProblemResponse, sendProblem } from './problems.js';
import { jsonParser } from './json.js';
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

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_BATCH_LIMIT = 10_000;
export const DEFAULT_NDJSON_LINE_LIMIT = 16 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

export interface ServerOptions {
  /** A rule file or directory (or several), as `--rules`. */
  rulesPath: string | readonly string[];
  /** YYYY-MM-DD: judge exceptions on this date, and never recompile at midnight. */
  asOf?: string;
  /** Parsed tokens (auth.ts loadTokens). None: every route is open (loopback only: see serve). */
  tokens?: readonly TokenEntry[];
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
  /** How often Node checks that timeout, in ms (default 30 s; tests lower it). */
  connectionsCheckingInterval?: number;
}

export interface SansoContext {
  lifecycle: PolicyLifecycle<LoadedPolicy>;
  metrics: Metrics;
  decisionLog: DecisionLog | null;
  /** Whether tokens are configured: without them every caller may do everything. */
  secured: boolean;
  batchLimit: number;
  ndjsonLineLimit: number;
  /** True from the moment close() starts: /readyz answers 503 so balancers drain us. */
  closing: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    sanso: SansoContext;
  }
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; 'open' for none; 'any' for any valid token. */
    scope?: Scope | 'open' | 'any';
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

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
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
  if (opts.connectionsCheckingInterval !== undefined) {
    (fastifyOpts as { http?: object }).http = { connectionsCheckingInterval: opts.connectionsCheckingInterval };
  }
  const logger = opts.logger;
  if (logger !== undefined && typeof logger === 'object') fastifyOpts.loggerInstance = logger;
  else fastifyOpts.logger = logger === true;
  const app = Fastify(fastifyOpts) as unknown as FastifyInstance;
  // Node swaps the two timeouts when headersTimeout (default 60 s) exceeds requestTimeout.
  const requestTimeout = fastifyOpts.requestTimeout!;
  if (requestTimeout > 0 && app.server.headersTimeout > requestTimeout) app.server.headersTimeout = requestTimeout;

  const metrics = new Metrics();
  const lifecycle = new PolicyLifecycle<LoadedPolicy>({
    load: (asOf) => loadPolicy(paths, asOf === undefined ? {} : { asOf }),
    recompile: (p) => {
      const asOf = todayIn(p.model.policy.timezone);
      return { ...p, table: compile(p.model, { asOf }), asOf, loadedAt: new Date() };
    },
    ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}),
    watchPaths: paths,
    ...(opts.watchDebounceMs !== undefined ? { debounceMs: opts.watchDebounceMs } : {}),
    logger: app.log,
  });
  lifecycle.on('reload', (r: { result: 'ok' | 'failed' | 'unchanged'; at: Date }) => {
    metrics.observeReload(r.result, r.at);
    const p = lifecycle.current;
    if (p) metrics.setPolicy(p.model.policy.name, p.version, p.loadedAt);
  });
  const first = await lifecycle.start();
  if (first.result === 'failed') {
    await lifecycle.close();
    throw new PolicyLoadError(first.problems);
  }

  const ctx: SansoContext = {
    lifecycle,
    metrics,
    decisionLog: opts.decisionLog ? new DecisionLog(opts.decisionLog) : null,
    secured: tokens.length > 0,
    batchLimit,
    ndjsonLineLimit: opts.ndjsonLineLimit ?? DEFAULT_NDJSON_LINE_LIMIT,
    closing: false,
  };
  app.decorate('sanso', ctx);
  app.decorateRequest('caller', null);
  app.decorateRequest('policy', null); // set by the ready hook (ready.ts)

  // Only JSON (and, on the batch route, NDJSON): anything else is a 415, never a guess.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonParser);

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
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token whose SHA-256 digest is configured (see docs/http-api.md, Tokens and scopes).' } } },
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
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let set = methodsByPath.get(route.url);
    if (!set) methodsByPath.set(route.url, (set = new Set()));
    for (const m of methods) set.add(m);
  });

  if (ctx.secured) {
    // Present only when tokens exist: an open loopback service pays nothing per request.
    // Callback style: no promise per request on the hot path.
    app.addHook('onRequest', (request, reply, done) => {
      const scope = request.routeOptions.config.scope;
      if (scope === undefined || scope === 'open') return done();
      const caller = authenticate(tokens, request.headers.authorization);
      if (caller === null) {
        reply.header('www-authenticate', 'Bearer realm="sanso"');
        sendProblem(reply, 'UNAUTHORIZED', request.headers.authorization === undefined ? 'this route needs a bearer token' : 'the bearer token is not valid');
        return;
      }
      if (scope !== 'any' && !hasScope(caller, scope)) {
        reply.header('www-authenticate', `Bearer realm="sanso", error="insufficient_scope", scope="${scope}"`);
        sendProblem(reply, 'FORBIDDEN', `this route needs the ${scope} scope (or admin); the token "${caller.name}" lacks it`);
        return;
      }
      request.caller = caller;
      done();
    });
  }

  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
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
    await ctx.decisionLog?.close();
  });

  app.setErrorHandler((err, request, reply) => {
    const c = classify(err as Error);
    if (c.code === 'INTERNAL') request.log.error({ err }, 'internal error');
    // A stream that already started cannot turn into a problem document: end it.
    if (reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    return sendProblem(reply, c.code, c.detail, c.extensions);
  });
  app.setNotFoundHandler((request, reply) => {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    const allowed = methodsByPath.get(path);
    if (allowed && !allowed.has(request.method)) {
      reply.header('allow', [...allowed].sort().join(', '));
      return sendProblem(reply, 'METHOD-NOT-ALLOWED', `${path} does not take ${request.method}`);
    }
    return sendProblem(reply, 'NOT-FOUND', `no route ${request.method} ${path}`);
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
  await app.ready();
  return app;
}

