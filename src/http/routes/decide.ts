/**
 * The decision routes, the hot path. POST /v1/decide does what a request must and nothing
 * more: Fastify parses and validates the body, then one read of the serving policy, one
 * parse-and-lookup (lookup/flow.ts, no allocation), and the answer concatenated from fragments
 * serialized at compile time (lookup/render.ts), sent as a string.
 *
 * POST /v1/decide/batch takes a JSON array up to the batch limit, or NDJSON streamed both
 * ways: request lines are decided as they arrive and answers written with backpressure, so
 * millions of flows pass without being held in memory. A bad flow is answered in its place.
 * NDJSON answers never become strings: common lines are read by a scanner (http/flow-line.ts)
 * and answers written as UTF-8 bytes into slabs (lookup/render.ts, renderDecisionInto) —
 * string answers holding Japanese fragments cost more to flatten and encode than to decide.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LoadedPolicy } from '../../policy.js';
import { FlowResult, resolveFlow, type FlowField } from '../../lookup/flow.js';
import { byteFragments, renderDecision, renderDecisionInto } from '../../lookup/render.js';
import { FlowLine, scanFlowLine } from '../flow-line.js';
import { pickLang, type Lang } from '../lang.js';
import { parseJson } from '../json.js';
import { sendProblem } from '../problems.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { POST_PROBLEMS, problems } from './common.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const NDJSON = 'application/x-ndjson';
/** Output slab for NDJSON answers: a few hundred answers, a few socket writes' worth. */
const SLAB = 256 * 1024;

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
    const table = p.table;
    const counts = new Uint32Array(table.decisions.length);
    const bytes = byteFragments(table);
    const flow = new FlowLine();
    let lines = 0;
    let errors = 0;

    // Answers are written as UTF-8 straight into a slab; the filled parts of it go out as they
    // are, so no answer is ever a string (see render.ts, renderDecisionInto).
    let slab = Buffer.allocUnsafe(SLAB);
    let used = 0;
    let mark = 0; // start of the part of the slab not yet handed out
    const ready: Buffer[] = [];
    const room = (need: number): void => {
      if (used + need <= slab.length) return;
      if (used > mark) ready.push(slab.subarray(mark, used));
      slab = Buffer.allocUnsafe(Math.max(SLAB, need));
      used = 0;
      mark = 0;
    };
    const text = (s: string): void => {
      room(Buffer.byteLength(s) + 1);
      used += slab.write(s, used);
      slab[used++] = 10;
    };
    /** After resolveFlow accepted the flow: the answer's bytes, straight into the slab. */
    const render = (src: string, dst: string): void => {
      counts[out.decision]!++;
      room(bytes.maxFixed + src.length + dst.length + 1);
      used = renderDecisionInto(slab, used, table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang);
      slab[used++] = 10;
    };

    /** One request line → one answer line. */
    const answer = (line: string, n: number): void => {
      // The fast path holds only for a flow the flow parser accepts: its values are then plain
      // ASCII, read as JSON would (see flow-line.ts). Any other line, and every error, is
      // answered from the safe parser's reading as before.
      if (scanFlowLine(line, flow) && resolveFlow(table, flow.src, flow.dst, flow.service, out)) return render(flow.src, flow.dst);
      const parsed = parseJson(line);
      if (!parsed.ok) {
        errors++;
        return text(`{"line":${n},"error":${JSON.stringify(parsed.reason)}}`);
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
        return text(`{"line":${n},"error":"expected an object with exactly the string keys src, dst and service"}`);
      }
      if (!resolveFlow(table, v.src, v.dst, v.service, out)) {
        errors++;
        return text(`{"line":${n},"error":${JSON.stringify(flowError(out.field!, v[out.field!] as string, out.reason!))}}`);
      }
      render(v.src, v.dst);
    };

    async function* run(): AsyncGenerator<Buffer> {
      const decoder = new StringDecoder('utf8');
      let pending = '';
      // A line longer than the limit is answered with an error and skipped up to its newline.
      let skipping = false;
      const take = (chunk: string, final: boolean): void => {
        let start = 0;
        for (;;) {
          const nl = chunk.indexOf('\n', start);
          if (nl < 0) break;
          const from = start;
          start = nl + 1;
          if (skipping) {
            // The end of an overlong line, already counted and answered.
            skipping = false;
            continue;
          }
          lines++;
          // A whole line within this chunk is first read where it lies (no slice; a trailing
          // \r is JSON white space to the scanner as to the parser).
          if (pending.length === 0 && nl - from <= limit && scanFlowLine(chunk, flow, from, nl) && resolveFlow(table, flow.src, flow.dst, flow.service, out)) {
            render(flow.src, flow.dst);
            continue;
          }
          let line = chunk.slice(from, nl);
          if (pending.length > 0) {
            line = pending + line;
            pending = '';
          }
          if (line.length > limit) {
            errors++;
            text(`{"line":${lines},"error":"the line is longer than ${limit} characters"}`);
            continue;
          }
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line.trim() === '') continue;
          answer(line, lines);
        }
        const rest = chunk.slice(start);
        if (!skipping) {
          pending += rest;
          if (pending.length > limit) {
            // Answer now and drop the rest of this line as it arrives.
            lines++;
            errors++;
            text(`{"line":${lines},"error":"the line is longer than ${limit} characters"}`);
            pending = '';
            skipping = true;
          }
        }
        if (final && !skipping && pending.trim() !== '') {
          lines++;
          let line = pending;
          pending = '';
          if (line.endsWith('\r')) line = line.slice(0, -1);
          answer(line, lines);
        }
        if (used > mark) {
          ready.push(slab.subarray(mark, used));
          mark = used;
        }
      };
      for await (const chunk of input) {
        take(decoder.write(chunk as Buffer), false);
        while (ready.length > 0) yield ready.shift()!;
      }
      take(decoder.end(), true);
      while (ready.length > 0) yield ready.shift()!;
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
