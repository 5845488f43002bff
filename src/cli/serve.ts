/**
 * `sanso serve`: the HTTP API (docs/http-api.md) on 127.0.0.1:8080 by default. Refuses to start on a
 * rule set with errors (printing the validator's report), on a bad token list, and on a
 * non-loopback address without tokens unless --insecure says an open API is intended.
 * SIGHUP reloads the rules; SIGTERM/SIGINT finish the requests in flight, then exit 0.
 *
 * Logs: the service log (pino JSON) goes to stderr, decision logs to stdout (or --decision-log
 * FILE), so the audit trail can be shipped apart from operational noise.
 */
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { formatText } from '../report/text.js';
import { summaryLine } from '../report/index.js';
import { toolInfo } from '../report/tool.js';
import { isLoopbackHost, loadTokens } from '../http/auth.js';
import type { DecisionLogOptions } from '../http/decision-log.js';
import {
  buildServer,
  closeWithin,
  PolicyLoadError,
  DEFAULT_BATCH_LIMIT,
  DEFAULT_BODY_LIMIT,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_RULES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from '../http/server.js';
import { DEFAULT_JOB_TIMEOUT_MS, DEFAULT_POOL_QUEUE } from '../http/pool.js';
import { pinoIsoTime } from '../http/log-time.js';
import { mustExist, parse } from './args.js';
import { EXIT, UsageError, type Io } from './io.js';

export const SERVE_USAGE = `usage: sanso serve [options]

Serves the HTTP API (see docs/http-api.md). Environment: HOST, PORT, SANSO_TOKENS (the token
list itself), SANSO_TOKENS_FILE, SANSO_DECISION_LOG.

options:
  --rules PATH              rule file or directory (default rules/)
  --host HOST               address to listen on (default 127.0.0.1, or $HOST)
  --port N                  port (default 8080, or $PORT; 0 picks a free one)
  --tokens FILE             token list, JSON or YAML: [{name, sha256, scopes}]
  --insecure                allow listening beyond loopback with no tokens (an open API)
  --as-of YYYY-MM-DD        judge exceptions on this date (and never recompile at midnight)
  --no-watch                do not reload when the rule files change (SIGHUP and the API still do)
  --decision-log DEST       stdout (default), stderr, off, or a file path
  --decision-log-sample R   fraction of decision requests logged, 0–1 (default 1)
  --decision-log-redact P   comma-separated fields to drop, e.g. input.src,input.dst
  --log-level LEVEL         fatal, error, warn, info (default), debug, trace, silent
  --body-limit BYTES        largest JSON body (default ${DEFAULT_BODY_LIMIT})
  --batch-limit N           most flows in a JSON batch (default ${DEFAULT_BATCH_LIMIT}; NDJSON is unlimited)
  --request-timeout MS      time to receive a whole request (default ${DEFAULT_REQUEST_TIMEOUT_MS}; 0: none)
  --headers-timeout MS      time to receive the request headers (default ${DEFAULT_HEADERS_TIMEOUT_MS})
  --max-connections N       open connections at most (default ${DEFAULT_MAX_CONNECTIONS})
  --shutdown-timeout MS     on SIGTERM, cut connections still open after this (default ${DEFAULT_SHUTDOWN_TIMEOUT_MS})
  --workers N               policy worker threads for checks (default: cores - 1, 1-4)
  --worker-queue N          heavy requests waiting at most (default ${DEFAULT_POOL_QUEUE}; more get 503)
  --job-timeout MS          time budget of one heavy request (default ${DEFAULT_JOB_TIMEOUT_MS})
  --max-rules N             rules per change request (default ${DEFAULT_MAX_RULES})
  --allowed-host NAME       open mode: a host name Host may carry besides IP addresses and
                            localhost (repeat by commas)

Limits, safe deployment, logs and security events: docs/service.md.
`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  tokens: { type: 'string' },
  insecure: { type: 'boolean', default: false },
  'no-watch': { type: 'boolean', default: false },
  'decision-log': { type: 'string' },
  'decision-log-sample': { type: 'string' },
  'decision-log-redact': { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  'body-limit': { type: 'string' },
  'batch-limit': { type: 'string' },
  'request-timeout': { type: 'string' },
  'headers-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  workers: { type: 'string' },
  'worker-queue': { type: 'string' },
  'job-timeout': { type: 'string' },
  'max-rules': { type: 'string' },
  'allowed-host': { type: 'string' },
} as const;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${name} takes an integer ${min}–${max}, not "${text}"`);
  return Number(text);
}

/** Resolves when the service has shut down; the exit code. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS, false);
  void positionals;
  if (values.help) {
    io.stdout(SERVE_USAGE);
    return EXIT.OK;
  }
  mustExist(values.rules, '--rules');
  if (values.tokens !== undefined) mustExist(values.tokens, '--tokens');
  const host = values.host ?? (io.env.HOST || '127.0.0.1');
  const port = integer('--port', values.port ?? (io.env.PORT || '8080'), 0, 65535)!;
  if (!LEVELS.includes(values['log-level'])) throw new UsageError(`--log-level takes ${LEVELS.join(', ')}`);
  const bodyLimit = integer('--body-limit', values['body-limit'], 1024, 1024 ** 3);
  const batchLimit = integer('--batch-limit', values['batch-limit'], 1, 10_000_000);
  const requestTimeout = integer('--request-timeout', values['request-timeout'], 0, 24 * 3600_000);
  const decisionLog = decisionLogOptions(values, io.env);
  const headersTimeout = integer('--headers-timeout', values['headers-timeout'], 100, 3600_000);
  const maxConnections = integer('--max-connections', values['max-connections'], 1, 1_000_000);
  const shutdownTimeout = integer('--shutdown-timeout', values['shutdown-timeout'], 0, 3600_000) ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const workers = integer('--workers', values.workers, 1, 64);
  const workerQueue = integer('--worker-queue', values['worker-queue'], 0, 100_000);
  const jobTimeoutMs = integer('--job-timeout', values['job-timeout'], 10, 3600_000);
  const maxRules = integer('--max-rules', values['max-rules'], 1, 100_000);
  const allowedHosts = (values['allowed-host'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');

  const tokens = loadTokens(values.tokens, io.env);
  if (tokens.errors.length > 0) {
    for (const e of tokens.errors) io.stderr(`sanso: ${e}\n`);
    io.stderr('sanso: the token list has errors; the service does not start\n');
    return EXIT.BAD_INPUT;
  }
  if (tokens.tokens.length === 0 && !isLoopbackHost(host) && !values.insecure) {
    throw new UsageError(
      `refusing to listen on ${host} with no tokens configured: anyone who can reach it could read the policy.\n` +
        'Configure tokens (--tokens FILE, SANSO_TOKENS_FILE or SANSO_TOKENS), listen on 127.0.0.1, or pass --insecure for an open API.',
    );
  }

  // The decision log's time format (http/log-time.ts), not pino's epoch milliseconds.
  const logger = pino({ level: values['log-level'], base: { service: 'sanso' }, timestamp: pinoIsoTime }, pino.destination({ dest: 2, sync: false }));
  let app: FastifyInstance;
  try {
    app = await buildServer({
      rulesPath: values.rules,
      ...(values['as-of'] !== undefined ? { asOf: values['as-of'] } : {}),
      tokens: tokens.tokens,
      ...(tokens.file !== null ? { tokensFile: tokens.file } : {}),
      logger,
      decisionLog,
      watch: !values['no-watch'],
      ...(bodyLimit !== undefined ? { bodyLimit } : {}),
      ...(batchLimit !== undefined ? { batchLimit } : {}),
      ...(requestTimeout !== undefined ? { requestTimeout } : {}),
      ...(headersTimeout !== undefined ? { headersTimeout } : {}),
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(workerQueue !== undefined ? { workerQueue } : {}),
      ...(jobTimeoutMs !== undefined ? { jobTimeoutMs } : {}),
      ...(maxRules !== undefined ? { maxRules } : {}),
      allowedHosts,
      eagerWorkers: true,
      compileOffLoop: true,
    });
  } catch (e) {
    if (e instanceof PolicyLoadError) {
      logger.flush();
      const meta = { files: [], version: '', tool: toolInfo() };
      io.stderr(formatText(e.problems, meta));
      io.stderr(`${summaryLine(e.problems, meta)}\n`);
      io.stderr('sanso: the rule set has errors; the service does not start\n');
      return EXIT.BAD_INPUT;
    }
    throw e;
  }

  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    // The first thing an administrator meets on a host that runs something else on 8080.
    const hint = code === 'EADDRINUSE' ? `; another program uses port ${port}: pick another with --port N (or $PORT; --port 0 picks a free one)` : '';
    io.stderr(`sanso: cannot listen on ${host}:${port}: ${code ?? (e as Error).message}${hint}\n`);
    return EXIT.BAD_INPUT;
  }
  const addr = app.server.address();
  const where = typeof addr === 'object' && addr ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : String(addr);
  const current = app.sanso.lifecycle.current!;
  io.stderr(`sanso: listening on http://${where} (policy ${current.version}, ${tokens.tokens.length ? `${tokens.tokens.length} token(s)` : 'no tokens: open'})\n`);
  if (tokens.tokens.length === 0 && !isLoopbackHost(host)) {
    io.stderr(`sanso: warning: --insecure: an open API on ${host}; anyone who can reach it can read the policy and reload it\n`);
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onHup = () => {
      void app.sanso.lifecycle.reload('signal');
    };
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal: stop waiting for slow clients.
        app.server.closeAllConnections();
        return;
      }
      stopping = true;
      app.log.info({ signal, deadlineMs: shutdownTimeout }, 'shutting down: finishing requests in flight');
      closeWithin(app, shutdownTimeout).then(
        () => {
          process.off('SIGHUP', onHup);
          process.off('SIGTERM', onStop);
          process.off('SIGINT', onStop);
          logger.flush();
          resolve(EXIT.OK);
        },
        (err: unknown) => {
          io.stderr(`sanso: shutdown failed: ${(err as Error).message}\n`);
          resolve(EXIT.BAD_INPUT);
        },
      );
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
}

function decisionLogOptions(
  values: { 'decision-log'?: string; 'decision-log-sample'?: string; 'decision-log-redact'?: string },
  env: NodeJS.ProcessEnv,
): DecisionLogOptions | false {
  const dest = values['decision-log'] ?? (env.SANSO_DECISION_LOG || 'stdout');
  if (dest === 'off') return false;
  const opts: DecisionLogOptions = { destination: dest };
  const sample = values['decision-log-sample'];
  if (sample !== undefined) {
    const r = Number(sample);
    if (!/^\d*\.?\d+$/.test(sample) || r < 0 || r > 1) throw new UsageError(`--decision-log-sample takes a fraction 0–1, not "${sample}"`);
    opts.sampleRate = r;
  }
  const redact = values['decision-log-redact'];
  if (redact !== undefined) {
    const paths = redact
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const p of paths) if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(p)) throw new UsageError(`--decision-log-redact takes dotted field names, not "${p}"`);
    opts.redact = paths;
  }
  return opts;
}
