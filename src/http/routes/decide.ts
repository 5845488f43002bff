/**
 * The decision routes, the hot path. POST /v1/decide does what a request must and nothing
 * more: Fastify parses and validates the body, then one read of the serving policy, one
 * parse-and-lookup (lookup/flow.ts, no allocation), and the answer concatenated from fragments
 * serialized at compile time (lookup/render.ts), sent as a string.
 *
 * POST /v1/decide/batch takes a JSON array up to the batch limit, or NDJSON streamed both
 * ways: request lines are decided as they arrive and answers written with backpressure, so
 * millions of flows pass without being held in memory. A bad flow is answered in its place.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LoadedPolicy } from '../../policy.js';
import { FlowResult, resolveFlow, type FlowField } from '../../lookup/flow.js';
import { renderDecision } from '../../lookup/render.js';
import { pickLang, type Lang } from '../lang.js';
import { parseJson } from '../json.js';
import { sendProblem } from '../problems.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { POST_PROBLEMS, problems } from './common.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const NDJSON = 'application/x-ndjson';

interface FlowBody {
  src: string;
  dst: string;
  service: string;
}

/** Longest value quoted back in an error: the caller's own input, bounded. */
const QUOTE_MAX = 64;

function quote(value: string): string {
  return JSON.stringify(value.length > QUOTE_MAX ? `${value.slice(0, QUOTE_MAX)}…` : value);
}

function flowError(field: FlowField, value: string, reason: string): string {
  return `${field} ${quote(value)}: ${reason}`;
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

export async function decideRoutes(app: FastifyInstance, ctx: SansoContext): Promise<void> {
  // One scratch result for the route: resolve and render run with no await in between.
  const out = new FlowResult();

  app.post(
    '/v1/decide',
    {
      config: { scope: 'decide' },
      schema: {
        tags: ['decide'],
        summary: 'Decide one flow.',
        description: 'The decision of SPEC §2 for (src, dst, service). Messages in Japanese with Accept-Language: ja.',
        security: [{ bearer: [] }],
        body: ref('flow'),
        response: { 200: { description: 'The decision.', content: { 'application/json': { schema: ref('decision') } } }, ...problems(...POST_PROBLEMS, 503) },
      },
    },
    (request: FastifyRequest, reply: FastifyReply) => {
      const p = ctx.lifecycle.current; // read once: the whole answer comes from this policy
      if (p === null) return sendProblem(reply, 'NOT-READY', 'no policy is loaded yet');
      const body = request.body as FlowBody;
      if (!resolveFlow(p.table, body.src, body.dst, body.service, out)) {
        const field = out.field!;
        return sendProblem(reply, field === 'service' ? 'BAD-SERVICE' : 'BAD-ADDRESS', flowError(field, body[field], out.reason!));
      }
      const id = out.decision;
      const lang: Lang = pickLang(request.headers['accept-language']);
      const json = renderDecision(p.table, id, out.srcSeg, out.dstSeg, body.src, body.dst, lang);
      const r = p.table.decision(id);
      ctx.metrics.observeDecision(r.decision, r.code);
      const log = ctx.decisionLog;
      if (log !== null && log.sampled()) {
        const decisionId = log.decision({
          route: '/v1/decide',
          policyVersion: p.version,
          caller: request.caller?.name ?? null,
          input: { src: body.src, dst: body.dst, service: body.service },
          result: { decision: r.decision, code: r.code, rule: r.ruleId },
        });
        reply.header('sanso-decision-id', decisionId);
      }
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
        const p = ctx.lifecycle.current;
        if (p === null) return sendProblem(reply, 'NOT-READY', 'no policy is loaded yet');
        const lang = pickLang(request.headers['accept-language']);
        if (request.body instanceof Readable) return streamBatch(ctx, p, request, reply, request.body, lang);
        return jsonBatch(ctx, p, request, reply, (request.body as { flows: FlowBody[] }).flows, lang);
      },
    );
  });

  function jsonBatch(ctx: SansoContext, p: LoadedPolicy, request: FastifyRequest, reply: FastifyReply, flows: FlowBody[], lang: Lang) {
    const parts = new Array<string>(flows.length);
    const counts = new Uint32Array(p.table.decisions.length);
    let errors = 0;
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i]!;
      if (resolveFlow(p.table, f.src, f.dst, f.service, out)) {
        counts[out.decision]!++;
        parts[i] = renderDecision(p.table, out.decision, out.srcSeg, out.dstSeg, f.src, f.dst, lang);
      } else {
        errors++;
        parts[i] = `{"index":${i},"error":${JSON.stringify(flowError(out.field!, f[out.field!], out.reason!))}}`;
      }
    }
    const byCode = tally(ctx, p, counts);
    logBatch(ctx, request, reply, p, flows.length, errors, byCode);
    return reply.type(JSON_TYPE).send(`{"decisions":[${parts.join(',')}]}`);
  }

  function streamBatch(ctx: SansoContext, p: LoadedPolicy, request: FastifyRequest, reply: FastifyReply, input: Readable, lang: Lang) {
    const limit = ctx.ndjsonLineLimit;
    const counts = new Uint32Array(p.table.decisions.length);
    let lines = 0;
    let errors = 0;

    /** One request line → one answer line (without the newline). */
    const answer = (line: string, n: number): string => {
      const parsed = parseJson(line);
      if (!parsed.ok) {
        errors++;
        return `{"line":${n},"error":${JSON.stringify(parsed.reason)}}`;
      }
      const v = parsed.value as Record<string, unknown>;
      if (
        v === null ||
        typeof v !== 'object' ||
        Array.isArray(v) ||
        typeof v.src !== 'string' ||
        typeof v.dst !== 'string' ||
        typeof v.service !== 'string' ||
        Object.keys(v).length !== 3
      ) {
        errors++;
        return `{"line":${n},"error":"expected an object with exactly the string keys src, dst and service"}`;
      }
      if (!resolveFlow(p.table, v.src, v.dst, v.service, out)) {
        errors++;
        return `{"line":${n},"error":${JSON.stringify(flowError(out.field!, v[out.field!] as string, out.reason!))}}`;
      }
      counts[out.decision]!++;
      return renderDecision(p.table, out.decision, out.srcSeg, out.dstSeg, v.src, v.dst, lang);
    };

    async function* run(): AsyncGenerator<string> {
      const decoder = new StringDecoder('utf8');
      let pending = '';
      // A line longer than the limit is answered with an error and skipped up to its newline.
      let skipping = false;
      const take = (text: string, final: boolean): string => {
        let outText = '';
        let start = 0;
        for (;;) {
          const nl = text.indexOf('\n', start);
          if (nl < 0) break;
          let line = text.slice(start, nl);
          start = nl + 1;
          if (skipping) {
            // The end of an overlong line, already counted and answered.
            skipping = false;
            continue;
          }
          lines++;
          if (pending.length > 0) {
            line = pending + line;
            pending = '';
          }
          if (line.length > limit) {
            errors++;
            outText += `{"line":${lines},"error":"the line is longer than ${limit} characters"}\n`;
            continue;
          }
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line.trim() === '') continue;
          outText += `${answer(line, lines)}\n`;
        }
        const rest = text.slice(start);
        if (!skipping) {
          pending += rest;
          if (pending.length > limit) {
            // Answer now and drop the rest of this line as it arrives.
            lines++;
            errors++;
            outText += `{"line":${lines},"error":"the line is longer than ${limit} characters"}\n`;
            pending = '';
            skipping = true;
          }
        }
        if (final && !skipping && pending.trim() !== '') {
          lines++;
          let line = pending;
          pending = '';
          if (line.endsWith('\r')) line = line.slice(0, -1);
          outText += `${answer(line, lines)}\n`;
        }
        return outText;
      };
      for await (const chunk of input) {
        const text = take(decoder.write(chunk as Buffer), false);
        if (text.length > 0) yield text;
      }
      const last = take(decoder.end(), true);
      if (last.length > 0) yield last;
      const byCode = tally(ctx, p, counts);
      logBatch(ctx, request, null, p, lines, errors, byCode);
    }

    const stream = Readable.from(run(), { objectMode: false, highWaterMark: 64 * 1024 });
    return reply.type('application/x-ndjson; charset=utf-8').send(stream);
  }

  function logBatch(ctx: SansoContext, request: FastifyRequest, reply: FastifyReply | null, p: LoadedPolicy, flows: number, errors: number, counts: Record<string, number>) {
    const log = ctx.decisionLog;
    if (log === null || !log.sampled()) return;
    const id = log.batch({ route: '/v1/decide/batch', policyVersion: p.version, caller: request.caller?.name ?? null, flows, errors, counts });
    reply?.header('sanso-decision-id', id);
  }
}
