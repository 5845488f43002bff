/**
 * The decision routes, the hot path. POST /v1/decide does what a request must and nothing
 * more: Fastify parses and validates the body, the ready hook reads the serving policy once,
 * then one parse-and-lookup (lookup/flow.ts, no allocation), and the answer concatenated from
 * fragments serialized at compile time (lookup/render.ts), sent as a string. On a listening
 * server the plainly valid requests are answered before they get here, by the front door
 * (../front-door.ts), with the same functions; this route answers the rest, and is what the front
 * door is tested against.
 *
 * POST /v1/decide/batch takes a JSON array up to the batch limit, or NDJSON streamed both
 * ways (the engine is ../ndjson.ts). A bad flow is answered in its place.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { LoadedPolicy } from '../../policy.js';
import type { DecisionTable } from '../../lookup/table.js';
import { FlowResult, resolveFlow } from '../../lookup/flow.js';
import { renderDecision } from '../../lookup/render.js';
import { flowError } from '../flow-error.js';
import { pickLang, type Lang } from '../lang.js';
import { answerStream } from '../ndjson.js';
import { sendProblem } from '../problems.js';
import { policyReady } from '../ready.js';
import { logFragments, type LogFragments } from '../decision-log.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { POST_PROBLEMS, problems } from './common.js';

// The engine moved to ../ndjson.ts; tests and callers that imported it from here still can.
export { NdjsonAnswers } from '../ndjson.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const NDJSON = 'application/x-ndjson';

interface FlowBody {
  src: string;
  dst: string;
  service: string;
}

/** Tallies decisions by id while a batch runs; folded into metrics by code at the end. */
function tally(ctx: SansoContext, p: LoadedPolicy, counts: Uint32Array): Record<string, number> {
  const byCode: Record<string, number> = {};
  for (let id = 0; id < counts.length; id++) {
    const n = counts[id]!;
    if (n === 0) continue;
    const r = p.table.decision(id);
    ctx.metrics.observeDecision(r.decision, r.code, n);
    byCode[r.code] = (byCode[r.code] ?? 0) + n;
  }
  return byCode;
}

const logPieces = new WeakMap<DecisionTable, LogFragments>();
let lastTable: DecisionTable | null = null;
let lastPieces: LogFragments | null = null;

/**
 * The decision log's pieces for a table, made once per table. Called per logged decide: the
 * serving table is remembered, the WeakMap holds the others (as render.ts byteFragments does;
 * the old table stays referenced until the next logged answer).
 */
function logPiecesOf(table: DecisionTable): LogFragments {
  if (table === lastTable) return lastPieces!;
  let f = logPieces.get(table);
  if (!f) logPieces.set(table, (f = logFragments(table.decisions)));
  lastTable = table;
  lastPieces = f;
  return f;
}

/**
 * What every single decide answered with a decision records, the route's and the front door's
 * alike: the decision-log entry (when this request is sampled), then the decision counted. The
 * log comes first: if its destination throws, nothing has been counted, and the error is
 * answered instead of the decision. Returns the decision id, or null when not logged.
 * `src`, `dst` and `service` must have passed the flow parser (DecisionLog.decide).
 */
export function recordDecide(ctx: SansoContext, p: LoadedPolicy, id: number, caller: string | null, client: string, src: string, dst: string, service: string): string | null {
  const log = ctx.decisionLog;
  const decisionId = log?.sampled() ? log.decide(p.version, caller, client, src, dst, service, logPiecesOf(p.table).result[id]!) : null;
  const r = p.table.decision(id);
  ctx.metrics.observeDecision(r.decision, r.code);
  return decisionId;
}

export async function decideRoutes(app: FastifyInstance, ctx: SansoContext): Promise<void> {
  // One scratch result for the route: resolve and render run with no await in between.
  const out = new FlowResult();
  const ready = policyReady(ctx.lifecycle);

  app.post(
    '/v1/decide',
    {
      config: { scope: 'decide' },
      preHandler: ready,
      schema: {
        tags: ['decide'],
        summary: 'Decide one flow.',
        description: 'The decision for (src, dst, service). Messages in Japanese with Accept-Language: ja.',
        security: [{ bearer: [] }],
        body: ref('flow'),
        response: { 200: { description: 'The decision.', content: { 'application/json': { schema: ref('decision') } } }, ...problems(...POST_PROBLEMS, 503) },
      },
    },
    (request: FastifyRequest, reply: FastifyReply) => {
      const p = request.policy!; // read once by the hook: the whole answer comes from this policy
      const body = request.body as FlowBody;
      if (!resolveFlow(p.table, body.src, body.dst, body.service, out)) {
        const field = out.field!;
        const en = flowError(field, body[field], out.reason!);
        return sendProblem(reply, field === 'service' ? 'BAD-SERVICE' : 'BAD-ADDRESS', { en, ja: flowError(field, body[field], out.reason!, 'ja') });
      }
      const id = out.decision;
      const lang: Lang = pickLang(request.headers['accept-language']);
      const json = renderDecision(p.table, id, out.srcSeg, out.dstSeg, body.src, body.dst, lang);
      const decisionId = recordDecide(ctx, p, id, request.caller?.name ?? null, request.ip, body.src, body.dst, body.service);
      if (decisionId !== null) reply.header('sanso-decision-id', decisionId);
      return reply.type(JSON_TYPE).send(json);
    },
  );

  await app.register(async (batch) => {
    // The raw request stream: read line by line in the handler, never buffered whole.
    batch.addContentTypeParser(NDJSON, (_request, payload, done) => done(null, payload));

    batch.post(
      '/v1/decide/batch',
      {
        config: { scope: 'decide' },
        preHandler: ready,
        bodyLimit: Math.max(app.initialConfig.bodyLimit ?? 0, ctx.batchLimit * 256),
        schema: {
          tags: ['decide'],
          summary: 'Decide many flows: a JSON array (up to the batch limit) or an NDJSON stream.',
          description:
            `JSON: {"flows":[…]} → {"decisions":[…]} in the same order, at most ${ctx.batchLimit} flows. ` +
            'NDJSON (Content-Type: application/x-ndjson): one flow object per line in, one decision per line out, streamed both ways with no limit on the number of lines. ' +
            'A flow that cannot be decided is answered in its place with {"index":i,"error":…} (JSON) or {"line":n,"error":…} (NDJSON); the rest go on. ' +
            'Every answer of one request comes from the same policy version.',
          security: [{ bearer: [] }],
          body: {
            content: {
              'application/json': { schema: ref('batch-request') },
              // No schema to validate: the body is a stream, checked line by line.
              [NDJSON]: { schema: { description: 'One flow object ({"src","dst","service"}) per line; blank lines are skipped.' } },
            },
          },
          response: {
            200: {
              description: 'The decisions, in request order.',
              content: {
                'application/json': { schema: ref('batch-response') },
                [NDJSON]: { schema: { description: 'One decision (or {"line":n,"error":…}) per request line, in order.' } },
              },
            },
            ...problems(...POST_PROBLEMS, 503),
          },
        },
      },
      (request: FastifyRequest, reply: FastifyReply) => {
        const p = request.policy!;
        const lang = pickLang(request.headers['accept-language']);
        if (request.body instanceof Readable) return streamBatch(ctx, p, request, reply, request.body, lang);
        return jsonBatch(ctx, p, request, reply, (request.body as { flows: FlowBody[] }).flows, lang);
      },
    );
  });

  function jsonBatch(ctx: SansoContext, p: LoadedPolicy, request: FastifyRequest, reply: FastifyReply, flows: FlowBody[], lang: Lang) {
    const parts = new Array<string>(flows.length);
    const counts = new Uint32Array(p.table.decisions.length);
    // Per flow its decision id (-1: an error), for the decision log.
    const ids = new Int32Array(flows.length).fill(-1);
    let errors = 0;
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i]!;
      if (resolveFlow(p.table, f.src, f.dst, f.service, out)) {
        counts[out.decision]!++;
        ids[i] = out.decision;
        parts[i] = renderDecision(p.table, out.decision, out.srcSeg, out.dstSeg, f.src, f.dst, lang);
      } else {
        errors++;
        parts[i] = `{"index":${i},"error":${JSON.stringify(flowError(out.field!, f[out.field!], out.reason!, lang))}}`;
      }
    }
    const byCode = tally(ctx, p, counts);
    const log = ctx.decisionLog;
    if (log?.sampled()) {
      const compact = logPiecesOf(p.table).compact;
      const results = JSON.parse(`[${Array.from(ids, (d) => (d < 0 ? 'null' : compact[d]!)).join(',')}]`) as unknown;
      const id = log.batch({
        route: '/v1/decide/batch',
        policyVersion: p.version,
        caller: request.caller?.name ?? null,
        client: request.ip,
        flows: flows.length,
        errors,
        counts: byCode,
        input: flows,
        results,
      });
      reply.header('sanso-decision-id', id);
    }
    return reply.type(JSON_TYPE).send(`{"decisions":[${parts.join(',')}]}`);
  }

  function streamBatch(ctx: SansoContext, p: LoadedPolicy, request: FastifyRequest, reply: FastifyReply, input: Readable, lang: Lang) {
    // The decision log, if this request is logged: one part per chunk answered (decision-log.ts).
    const log = ctx.decisionLog?.sampled() ? ctx.decisionLog : null;
    const logId = log ? randomUUID() : '';
    const who = { route: '/v1/decide/batch', policyVersion: p.version, caller: request.caller?.name ?? null, client: request.ip };
    const compact = log ? logPiecesOf(p.table).compact : [];
    let parts = 0;
    /** Request bytes after the last newline: the start of a line the next part answers. */
    let carried: Buffer = Buffer.alloc(0);
    const recent: number[] = [];
    const logPart = (input: Buffer) => {
      if (!log || recent.length === 0) return;
      let results = '[';
      for (let i = 0; i < recent.length; i++) results += (i ? ',' : '') + (recent[i]! < 0 ? 'null' : compact[recent[i]!]!);
      log.part(logId, parts++, who, input.toString('utf8'), `${results}]`);
      recent.length = 0;
    };
    if (log) reply.header('sanso-decision-id', logId);
    const stream = answerStream(p.table, lang, ctx.ndjsonLineLimit, input, reply.raw, {
      recent: log ? recent : null,
      chunk: (c) => {
        if (!log) return;
        const nl = c.lastIndexOf(10);
        // An overlong line is logged cut (it is answered with an error): memory stays bounded.
        if (nl < 0) carried = Buffer.concat([carried, c]).subarray(0, ctx.ndjsonLineLimit + 1);
        else {
          logPart(Buffer.concat([carried, c.subarray(0, nl + 1)]));
          carried = Buffer.from(c.subarray(nl + 1));
        }
      },
      ended: () => logPart(carried),
      done: (answers) => {
        const byCode = tally(ctx, p, answers.counts);
        log?.batch({ ...who, id: logId, flows: answers.flows, errors: answers.errors, counts: byCode, parts });
      },
    });
    return reply.type('application/x-ndjson; charset=utf-8').send(stream);
  }
}
