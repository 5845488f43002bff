/**
 * GET /v1/matrix: the zone matrix of the serving policy (docs/console.md), tier × tier and
 * segment × segment, read off the compiled table by src/matrix/. It is computed once per loaded
 * policy and kept beside it in a WeakMap: a reload (or the midnight recompile) makes a new
 * policy object, so the old matrix goes with the old policy and nothing is ever stale.
 *
 * The route needs read-policy: a matrix names every segment pair and carries witness addresses.
 */
import type { FastifyInstance } from 'fastify';
import { preferredFlowKey, RANKED, tableIndex } from '../../check/ranges.js';
import { ZoneMatrix } from '../../matrix/matrix.js';
import { formatAddress } from '../../model/cidr.js';
import { formatServiceKey } from '../../model/services.js';
import { TIERS, type Tier } from '../../model/types.js';
import type { LoadedPolicy } from '../../policy.js';
import { policyReady } from '../ready.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { problems } from './common.js';

/** The most segments per side a segment matrix is computed for (bounded work per request). */
export const SEGMENT_LIMIT = 300;

const MATRIX_TIERS: readonly Tier[] = TIERS;

interface Cached {
  matrix: ZoneMatrix;
  /** Serialized answers by "src>dst" ('' for every tier). */
  answers: Map<string, string>;
}

const cache = new WeakMap<LoadedPolicy, Cached>();

function cachedFor(p: LoadedPolicy): Cached {
  let c = cache.get(p);
  if (!c) cache.set(p, (c = { matrix: new ZoneMatrix(p.table), answers: new Map() }));
  return c;
}

/** The segment's lowest address (IPv4 first), or null when it has none. */
function witnessOf(p: LoadedPolicy, segment: number): string | null {
  const ix = tableIndex(p.table);
  const v4 = ix.low4[segment]!;
  if (v4 >= 0) return formatAddress(4, BigInt(v4));
  const v6 = ix.low6[segment];
  return v6 === null || v6 === undefined ? null : formatAddress(6, v6);
}

/** The whole answer for one (src, dst) query, as an object ready to serialize. */
export function matrixAnswer(p: LoadedPolicy, src: Tier | null, dst: Tier | null): Record<string, unknown> {
  const { matrix } = cachedFor(p);
  const tierCells = matrix.tiers();
  const segs = p.model.segments;
  const count = (tier: Tier | null) => (tier === null ? segs.length : segs.filter((s) => s.tier === tier).length);
  let segmentMatrix: Record<string, unknown> | null = null;
  if (count(src) <= SEGMENT_LIMIT && count(dst) <= SEGMENT_LIMIT) {
    const m = matrix.segments(src, dst);
    const side = (tier: Tier | null) => segs.filter((s) => tier === null || s.tier === tier).map((s) => ({ name: s.name, tier: s.tier, witness: witnessOf(p, s.index) }));
    segmentMatrix = { src, dst, rows: side(src), cols: side(dst), summaries: m.summaries, cells: m.cells };
  }
  const present = new Set(segs.map((s) => s.tier));
  return {
    policyVersion: p.version,
    asOf: p.asOf,
    tiers: MATRIX_TIERS.filter((t) => present.has(t)),
    tierCells,
    segmentLimit: SEGMENT_LIMIT,
    segmentMatrix,
    services: namedServices(p),
  };
}

/** The named services with a flow to try each with (decide takes protocol/port, not names). */
function namedServices(p: LoadedPolicy): { name: string; services: string[]; witness: string }[] {
  const out: { name: string; services: string[]; witness: string }[] = [];
  for (const [name, refs] of p.model.services) {
    let best = -1;
    for (const r of refs)
      for (const x of r.ranges) {
        const k = preferredFlowKey(x.lo, x.hi);
        if (k >= 0 && (best < 0 || k < best)) best = k;
      }
    if (best >= 0) out.push({ name, services: refs.map((r) => r.text), witness: formatServiceKey(best % RANKED) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

export async function matrixRoutes(app: FastifyInstance, ctx: SansoContext): Promise<void> {
  const ready = policyReady(ctx.lifecycle);
  const tier = { type: 'string', enum: MATRIX_TIERS, description: 'A tier: mynumber, lgwan, internet or outside.' };
  app.get(
    '/v1/matrix',
    {
      config: { scope: 'read-policy' },
      preHandler: ready,
      schema: {
        tags: ['policy'],
        summary: 'The zone matrix: tier × tier, and segment × segment for a tier pair (or the whole city when small).',
        description:
          'Read off the compiled table, never sampled, and computed once per loaded policy. Each cell summarises what it allows (directly, through a sanitizer, by local breakout, by an exception with its expiry) and what denies the rest (a tier-model ceiling, an explicit deny, no grant), with services, rule ids, the clause of the basic policy and a witness flow. Without src and dst the segment matrix covers every segment when there are at most segmentLimit of them.',
        security: [{ bearer: [] }],
        querystring: { type: 'object', additionalProperties: false, properties: { src: tier, dst: tier } },
        response: { 200: { description: 'The matrix.', ...ref('matrix') }, ...problems(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const p = request.policy!;
      const q = request.query as { src?: Tier; dst?: Tier };
      const src = q.src ?? null;
      const dst = q.dst ?? null;
      const key = `${src ?? ''}>${dst ?? ''}`;
      const c = cachedFor(p);
      let body = c.answers.get(key);
      // At most (tiers + 1)² keys per policy: a bounded cache.
      if (body === undefined) c.answers.set(key, (body = JSON.stringify(matrixAnswer(p, src, dst))));
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
}
