/**
 * The decision routes, the hot path. POST /v1/decide does what a request must and nothing
 * more: Fastify parses and validates the body, then one read of the serving policy, one
 * parse-and-lookup (lookup/flow.ts, no allocation), and the answer concatenated from fragments
 * serialized at compile time (lookup/render.ts), sent as a string.
 *
 * POST /v1/decide/batch takes a JSON array up to the batch limit, or NDJSON streamed both
 * ways: request lines are decided as they arrive and answers written with backpressure, so
 * millions of flows pass without being held in memory. A bad flow is answered in its place.
 * NDJSON requests and answers never become strings (NdjsonAnswers below): common lines are read
 * from the request's bytes and decided in batches, answers written as UTF-8 bytes into slabs
 * that are reused once sent — strings cost more to decode, flatten and encode than to decide.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LoadedPolicy } from '../../policy.js';
import { FlowBatch, FlowResult, resolveFlow, type FlowField } from '../../lookup/flow.js';
import { byteFragments, langIndex, renderBytesInto, renderDecision, renderDecisionInto, type ByteFragments } from '../../lookup/render.js';
import type { DecisionTable } from '../../lookup/table.js';
import { FlowLine, readFlowLine, scanFlowLine } from '../flow-line.js';
import { pickLang, type Lang } from '../lang.js';
import { parseJson } from '../json.js';
import { sendProblem } from '../problems.js';
import { logFragments, type LogFragments } from '../decision-log.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { POST_PROBLEMS, problems } from './common.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const NDJSON = 'application/x-ndjson';
/** Output slab for NDJSON answers: a few hundred answers, a few socket writes' worth. */
const SLAB = 256 * 1024;
/** Slabs remembered for reuse while the response still holds some of them. */
const MAX_HANDED_OUT = 8;
/** Flows decided together (lookup/flow.ts FlowBatch). */
const BATCH = 64;

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

const logPieces = new WeakMap<DecisionTable, LogFragments>();

/** The decision log's pieces for a table, made once per table. */
function logPiecesOf(table: DecisionTable): LogFragments {
  let f = logPieces.get(table);
  if (!f) logPieces.set(table, (f = logFragments(table.decisions)));
  return f;
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
        const decisionId = log.decide(p.version, request.caller?.name ?? null, request.ip, body.src, body.dst, body.service, logPiecesOf(p.table).result[id]!);
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
        parts[i] = `{"index":${i},"error":${JSON.stringify(flowError(out.field!, f[out.field!], out.reason!))}}`;
      }
    }
    const byCode = tally(ctx, p, counts);
    const log = ctx.decisionLog;
    if (log !== null && log.sampled()) {
      const compact = logPiecesOf(p.table).compact;
      const results = JSON.parse(`[${Array.from(ids, (d) => (d < 0 ? 'null' : compact[d]!)).join(',')}]`) as unknown;
      const id = log.batch({ route: '/v1/decide/batch', policyVersion: p.version, caller: request.caller?.name ?? null, client: request.ip, flows: flows.length, errors, counts: byCode, input: flows, results });
      reply.header('sanso-decision-id', id);
    }
    return reply.type(JSON_TYPE).send(`{"decisions":[${parts.join(',')}]}`);
  }

  function streamBatch(ctx: SansoContext, p: LoadedPolicy, request: FastifyRequest, reply: FastifyReply, input: Readable, lang: Lang) {
    // Every answer handed out has left the process once the stream holds none unread and the
    // response none unwritten (a socket counts a write until the kernel has taken all of it):
    // its slabs can then be written again, which keeps them in cache.
    const released = (): boolean => stream.readableLength === 0 && reply.raw.writableLength === 0;
    const answers = new NdjsonAnswers(p.table, lang, ctx.ndjsonLineLimit, released);
    // The decision log, if this request is logged: one part per chunk answered (decision-log.ts).
    const log = ctx.decisionLog !== null && ctx.decisionLog.sampled() ? ctx.decisionLog : null;
    const logId = log ? randomUUID() : '';
    const who = { route: '/v1/decide/batch', policyVersion: p.version, caller: request.caller?.name ?? null, client: request.ip };
    const compact = log ? logPiecesOf(p.table).compact : [];
    let parts = 0;
    /** Request bytes after the last newline: the start of a line the next part answers. */
    let carried: Buffer = Buffer.alloc(0);
    const recent: number[] = [];
    if (log) answers.recent = recent;
    const logPart = (input: Buffer) => {
      if (!log || recent.length === 0) return;
      let results = '[';
      for (let i = 0; i < recent.length; i++) results += (i ? ',' : '') + (recent[i]! < 0 ? 'null' : compact[recent[i]!]!);
      log.part(logId, parts++, who, input.toString('utf8'), `${results}]`);
      recent.length = 0;
    };
    if (log) reply.header('sanso-decision-id', logId);
    async function* run(): AsyncGenerator<Buffer> {
      for await (const chunk of input) {
        const c = chunk as Buffer;
        answers.write(c);
        if (log) {
          const nl = c.lastIndexOf(10);
          // An overlong line is logged cut (it is answered with an error): memory stays bounded.
          if (nl < 0) carried = Buffer.concat([carried, c]).subarray(0, ctx.ndjsonLineLimit + 1);
          else {
            logPart(Buffer.concat([carried, c.subarray(0, nl + 1)]));
            carried = Buffer.from(c.subarray(nl + 1));
          }
        }
        const ready = answers.ready;
        while (ready.length > 0) yield ready.shift()!;
      }
      answers.end();
      logPart(carried);
      const ready = answers.ready;
      while (ready.length > 0) yield ready.shift()!;
      const byCode = tally(ctx, p, answers.counts);
      log?.batch({ ...who, id: logId, flows: answers.flows, errors: answers.errors, counts: byCode, parts });
    }

    const stream = Readable.from(run(), { objectMode: false, highWaterMark: 64 * 1024 });
    return reply.type('application/x-ndjson; charset=utf-8').send(stream);
  }
}

/**
 * The NDJSON batch's answers, chunk by chunk: request bytes in (write, then end), answer bytes
 * out (ready: filled parts of the output slabs, in order). A line wholly inside a chunk is read
 * from its bytes (flow-line.ts readFlowLine into a lookup/flow.ts FlowBatch) and answered
 * straight into the slab from byte fragments and its own address bytes: no string is made of it.
 * Every other line — one cut by a chunk's end, an error, an unusual shape — is decoded and read
 * by the safe parser exactly as before, with one decoder fed the bytes of the cut lines only: a
 * newline ends any UTF-8 sequence, so that decoder is clean wherever a line starts, and every
 * line reads as the whole stream decoded at once would read it.
 */
export class NdjsonAnswers {
  /** Request lines seen (blank ones too: line numbers count them). */
  lines = 0;
  /** Lines answered: a decision or an error (blank lines are not flows). */
  flows = 0;
  errors = 0;
  /** If set, each answer's decision id (-1 for an error) is pushed here, in answer order. */
  recent: number[] | null = null;
  /** Per decision id, how many answers gave it. */
  readonly counts: Uint32Array;
  readonly ready: Buffer[] = [];
  private readonly table: DecisionTable;
  private readonly lang: Lang;
  private readonly langIndex: number;
  private readonly limit: number;
  private readonly bytes: ByteFragments;
  private readonly out = new FlowResult();
  private readonly flow = new FlowLine();
  private readonly batch = new FlowBatch(BATCH);
  private slab: Buffer = Buffer.allocUnsafe(SLAB);
  /** The slab's bytes as a DataView (renderBytesInto copies addresses four bytes at a time). */
  private view = new DataView(this.slab.buffer, this.slab.byteOffset, this.slab.length);
  private used = 0;
  /** Start of the part of the slab not yet handed out. */
  private mark = 0;
  /** Slabs that were handed out, oldest first; free: slabs known to be out of every reader's hands. */
  private readonly handedOut: Buffer[] = [];
  private readonly free: Buffer[] = [];
  private readonly released: () => boolean;
  private readonly decoder = new StringDecoder('utf8');
  /** Decoded text of a line cut by a chunk's end. */
  private pending = '';
  /** A line longer than the limit was answered; its rest is dropped up to its newline. */
  private skipping = false;
  /** The last chunk ended inside a line: the next one's first line goes through the decoder. */
  private carry = false;

  /**
   * `released`: true when every buffer taken from `ready` so far is out of the reader's hands
   * (written and let go), so that their slabs may be overwritten. Without it slabs are never
   * reused.
   */
  constructor(table: DecisionTable, lang: Lang, limit: number, released: () => boolean = () => false) {
    this.released = released;
    this.table = table;
    this.lang = lang;
    this.langIndex = langIndex(lang);
    this.limit = limit;
    this.bytes = byteFragments(table);
    this.counts = new Uint32Array(table.decisions.length);
  }

  write(chunk: Buffer): void {
    const len = chunk.length;
    let start = 0;
    if (this.carry || this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.take(this.decoder.write(chunk), false);
        this.carry = true;
        return this.flush();
      }
      this.take(this.decoder.write(chunk.subarray(0, nl + 1)), false);
      start = nl + 1;
    }
    const { batch, limit } = this;
    const view = new DataView(chunk.buffer, chunk.byteOffset, len);
    while (start < len) {
      const nl = readFlowLine(chunk, view, start, len, batch);
      if (nl >= 0 && nl - start <= limit) {
        batch.take();
        this.lines++;
        if (batch.count === batch.size) this.answerBatch(view);
        start = nl + 1;
        continue;
      }
      // Answers go out in order: the batch's before this line's.
      this.answerBatch(view);
      const end = chunk.indexOf(10, start);
      if (end < 0) break;
      this.lines++;
      this.line(chunk.toString('utf8', start, end));
      start = end + 1;
    }
    this.answerBatch(view);
    this.carry = start < len;
    if (this.carry) this.take(this.decoder.write(chunk.subarray(start)), false);
    this.flush();
  }

  end(): void {
    this.take(this.decoder.end(), true);
    this.flush();
  }

  /** The batch's flows decided and answered, from their bytes in `input`; the batch emptied. */
  private answerBatch(input: DataView): void {
    const batch = this.batch;
    const n = batch.count;
    if (n === 0) return;
    batch.decide(this.table);
    const { bytes, counts, langIndex } = this;
    const { text, decision, srcSeg, dstSeg } = batch;
    // Room for the longest answers once per batch: an address the parser accepts is at most
    // 45 bytes.
    this.room(n * (bytes.maxFixed + 2 * 45 + 1));
    const { slab, view } = this;
    let o = this.used;
    this.flows += n;
    const recent = this.recent;
    for (let k = 0; k < n; k++) {
      const id = decision[k]!;
      counts[id]!++;
      if (recent !== null) recent.push(id);
      const t = k << 2;
      o = renderBytesInto(slab, view, o, bytes, id, srcSeg[k]!, dstSeg[k]!, input, text[t]!, text[t + 1]!, text[t + 2]!, text[t + 3]!, langIndex);
      slab[o++] = 10;
    }
    this.used = o;
    batch.count = 0;
  }

  /** The filled part of the slab, handed out. */
  private flush(): void {
    if (this.used > this.mark) {
      this.ready.push(this.slab.subarray(this.mark, this.used));
      this.mark = this.used;
    }
  }

  private room(need: number): void {
    if (this.used + need <= this.slab.length) return;
    // Asked before this slab's last part joins `ready`: parts still there have not been read.
    const released = this.released();
    this.flush();
    const old = this.slab;
    if (released) {
      // All but the slabs of parts still in `ready`.
      const { ready, handedOut } = this;
      let kept = 0;
      for (const s of handedOut) {
        if (ready.some((b) => b.buffer === s.buffer)) handedOut[kept++] = s;
        else this.free.push(s);
      }
      handedOut.length = kept;
    }
    if (old.length === SLAB) this.handedOut.push(old);
    // A reader that never lets go leaves these to the collector.
    if (this.handedOut.length > MAX_HANDED_OUT) this.handedOut.shift();
    this.slab = need <= SLAB ? (this.free.pop() ?? Buffer.allocUnsafe(SLAB)) : Buffer.allocUnsafe(need);
    this.view = new DataView(this.slab.buffer, this.slab.byteOffset, this.slab.length);
    this.used = 0;
    this.mark = 0;
  }

  /** An error answer's text. */
  private text(s: string): void {
    this.flows++;
    this.recent?.push(-1);
    this.room(Buffer.byteLength(s) + 1);
    this.used += this.slab.write(s, this.used);
    this.slab[this.used++] = 10;
  }

  /** After resolveFlow accepted the flow: the answer's bytes, straight into the slab. */
  private render(src: string, dst: string): void {
    const out = this.out;
    this.counts[out.decision]!++;
    this.flows++;
    this.recent?.push(out.decision);
    this.room(this.bytes.maxFixed + src.length + dst.length + 1);
    this.used = renderDecisionInto(this.slab, this.used, this.table, out.decision, out.srcSeg, out.dstSeg, src, dst, this.lang);
    this.slab[this.used++] = 10;
  }

  /** Decoded text: lines are read the safe way, a cut line's text kept for the next chunk. */
  private take(chunk: string, final: boolean): void {
    const limit = this.limit;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      let line = chunk.slice(start, nl);
      start = nl + 1;
      if (this.skipping) {
        // The end of an overlong line, already counted and answered.
        this.skipping = false;
        continue;
      }
      this.lines++;
      if (this.pending.length > 0) {
        line = this.pending + line;
        this.pending = '';
      }
      this.line(line);
    }
    const rest = chunk.slice(start);
    if (!this.skipping) {
      this.pending += rest;
      if (this.pending.length > limit) {
        // Answer now and drop the rest of this line as it arrives.
        this.lines++;
        this.errors++;
        this.text(`{"line":${this.lines},"error":"the line is longer than ${limit} characters"}`);
        this.pending = '';
        this.skipping = true;
      }
    }
    if (final && !this.skipping && this.pending.trim() !== '') {
      this.lines++;
      let line = this.pending;
      this.pending = '';
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.answer(line, this.lines);
    }
  }

  /** One whole line (without its newline), already counted. */
  private line(line: string): void {
    if (line.length > this.limit) {
      this.errors++;
      return this.text(`{"line":${this.lines},"error":"the line is longer than ${this.limit} characters"}`);
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') return;
    this.answer(line, this.lines);
  }

  /** One request line → one answer line. */
  private answer(line: string, n: number): void {
    const { table, out, flow } = this;
    // The fast path holds only for a flow the flow parser accepts: its values are then plain
    // ASCII, read as JSON would (see flow-line.ts). Any other line, and every error, is
    // answered from the safe parser's reading.
    if (scanFlowLine(line, flow) && resolveFlow(table, flow.src, flow.dst, flow.service, out)) return this.render(flow.src, flow.dst);
    const parsed = parseJson(line);
    if (!parsed.ok) {
      this.errors++;
      return this.text(`{"line":${n},"error":${JSON.stringify(parsed.reason)}}`);
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
      this.errors++;
      return this.text(`{"line":${n},"error":"expected an object with exactly the string keys src, dst and service"}`);
    }
    if (!resolveFlow(table, v.src, v.dst, v.service, out)) {
      this.errors++;
      return this.text(`{"line":${n},"error":${JSON.stringify(flowError(out.field!, v[out.field!] as string, out.reason!))}}`);
    }
    this.render(v.src, v.dst);
  }
}
