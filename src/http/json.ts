/**
 * The JSON body parser: secure-json-parse (Fastify's own) with both prototype-poisoning
 * actions set to error, so a body carrying `__proto__` or `constructor.prototype` is refused
 * with its own problem type instead of being silently stripped or merged.
 */
import sjson from 'secure-json-parse';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './problems.js';

const OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

export type ParseResult = { ok: true; value: unknown } | { ok: false; code: 'MALFORMED-JSON' | 'PROTOTYPE-POISONING'; reason: string };

/** Parses one JSON text; never throws. */
export function parseJson(text: string): ParseResult {
  try {
    return { ok: true, value: sjson.parse(text, null, OPTIONS) };
  } catch (e) {
    const msg = (e as Error).message;
    if (/forbidden prototype property/.test(msg)) return { ok: false, code: 'PROTOTYPE-POISONING', reason: 'a __proto__ or constructor.prototype key is not allowed' };
    return { ok: false, code: 'MALFORMED-JSON', reason: `not well-formed JSON (${msg.replace(/\s+/g, ' ').slice(0, 120)})` };
  }
}

export function jsonParser(_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  // No body at all is not malformed JSON: a route that needs one says so by its schema
  // (INVALID-REQUEST), and one that takes none (reload) does not mind the header.
  if (text.length === 0) return done(null, undefined);
  const r = parseJson(text);
  if (r.ok) done(null, r.value);
  else done(new ApiError(r.code, `the body is ${r.code === 'MALFORMED-JSON' ? r.reason : `refused: ${r.reason}`}`));
}
