/** Response schema pieces every route shares: problem documents for its error statuses. */
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
  415: 'Unsupported Content-Type.',
  422: 'The rule files have errors; the previous policy keeps serving.',
  503: 'No policy loaded yet, or shutting down.',
};

/** Statuses every authenticated JSON POST route may answer. */
export const POST_PROBLEMS = [400, 401, 403, 408, 413, 415];
