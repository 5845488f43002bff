/** Response schema pieces every route shares: problem documents for its error statuses. */
import type { FastifyReply } from 'fastify';
import type { JobOutcome } from '../jobs.js';
import { sendProblem } from '../problems.js';
import { ref } from '../schemas.js';

const problemContent = { 'application/problem+json': { schema: ref('problem') } };

/** Problem responses a route documents, by status. */
export function problems(...statuses: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of statuses) out[String(s)] = { description: DESCRIPTIONS[s] ?? 'Problem details (RFC 9457).', content: problemContent };
  return out;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input: malformed JSON, a forbidden key, a schema violation, a bad address or service.',
  401: 'No bearer token, or not a valid one.',
  403: 'The token lacks the scope this route needs.',
  408: 'The request did not arrive in time.',
  413: 'The body (or batch) is too large.',
  415: 'Unsupported Content-Type, Content-Encoding or charset.',
  421: 'Open mode: the Host header does not name this service by IP address or localhost.',
  422: 'The rule files have errors; the previous policy keeps serving.',
  503: 'No policy loaded yet, shutting down, every policy worker busy (Retry-After), or the request ran past its time budget.',
};

/** Statuses every authenticated JSON POST route may answer. */
export const POST_PROBLEMS = [400, 401, 403, 408, 413, 415];

/** A pool job's outcome as the answer: its JSON as is, or its problem. */
export function sendJobOutcome(reply: FastifyReply, out: JobOutcome): FastifyReply {
  if (out.ok) return reply.code(200).type('application/json; charset=utf-8').send(out.json);
  return sendProblem(reply, out.code, out.detail, out.extensions);
}
