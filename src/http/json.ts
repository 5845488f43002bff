/**
 * The JSON body parser: secure-json-parse (Fastify's own) with both prototype-poisoning
 * actions set to error, so a body carrying `__proto__` or `constructor.prototype` is refused
 * with its own problem type instead of being silently stripped or merged. Before it, one pass
 * over the text refuses what JSON.parse would accept silently: nesting deeper than the API ever
 * needs (a megabyte of `[` costs parse time and stack for nothing) and an object with the same
 * key twice (JSON.parse keeps the last; a proxy or a logger in between may keep the first).
 */
import sjson from 'secure-json-parse';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './problems.js';

const OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/** Deepest nesting of arrays and objects a body may have. The API's deepest is 4. */
export const DEFAULT_JSON_DEPTH = 64;

/** A refusal says why in English (`reason`) and Japanese (`ja`). */
export type ParseResult =
  | { ok: true; value: unknown }
  | { ok: false; code: 'MALFORMED-JSON' | 'PROTOTYPE-POISONING' | 'NESTING-TOO-DEEP' | 'DUPLICATE-KEY'; reason: string; ja: string };

/** Keys of one open object: a short list, a set once it grows (no quadratic time on huge objects). */
class Keys {
  private list: string[] = [];
  private set: Set<string> | null = null;
  /** False if the key was there already. */
  add(k: string): boolean {
    if (this.set) {
      if (this.set.has(k)) return false;
      this.set.add(k);
      return true;
    }
    if (this.list.includes(k)) return false;
    this.list.push(k);
    if (this.list.length > 16) this.set = new Set(this.list);
    return true;
  }
}

/**
 * Nesting depth and duplicate keys of a JSON text, in one pass without building values. Meant
 * for well-formed text; on malformed text it may stop early, and JSON.parse reports the fault.
 */
export function scanJson(text: string, maxDepth: number): { code: 'NESTING-TOO-DEEP' | 'DUPLICATE-KEY'; reason: string; ja: string } | null {
  const stack: (Keys | null)[] = [];
  let top: Keys | null = null;
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === 34) break;
        j++;
      }
      if (top !== null && expectKey) {
        let key: string;
        if (!escaped) key = text.slice(i + 1, j);
        else {
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            return null;
          }
        }
        if (!top.add(key)) {
          const shown = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
          return { code: 'DUPLICATE-KEY', reason: `the key ${shown} appears twice in one object`, ja: `キー ${shown} が一つのオブジェクトに二度あります` };
        }
        expectKey = false;
      }
      i = j;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (stack.length >= maxDepth) {
        return { code: 'NESTING-TOO-DEEP', reason: `arrays and objects nest deeper than ${maxDepth} levels`, ja: `配列とオブジェクトの入れ子が ${maxDepth} 段を超えています` };
      }
      stack.push(top);
      top = c === 123 ? new Keys() : null;
      expectKey = c === 123;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      if (stack.length === 0) return null;
      top = stack.pop()!;
      expectKey = false;
    } else if (c === 44 /* , */) {
      expectKey = top !== null;
    }
  }
  return null;
}

/** Parses one JSON text; never throws. */
export function parseJson(text: string, maxDepth = DEFAULT_JSON_DEPTH): ParseResult {
  const refused = scanJson(text, maxDepth);
  if (refused) return { ok: false, ...refused };
  try {
    return { ok: true, value: sjson.parse(text, null, OPTIONS) };
  } catch (e) {
    const msg = (e as Error).message;
    if (/forbidden prototype property/.test(msg)) {
      return {
        ok: false,
        code: 'PROTOTYPE-POISONING',
        reason: 'a __proto__ or constructor.prototype key is not allowed',
        ja: '__proto__ や constructor.prototype のキーは使えません',
      };
    }
    // The parser's own words are English; the Japanese says what they mean without them.
    return { ok: false, code: 'MALFORMED-JSON', reason: `not well-formed JSON (${msg.replace(/\s+/g, ' ').slice(0, 120)})`, ja: '正しい JSON ではありません' };
  }
}

/** The Fastify parser for application/json bodies, refusing nesting deeper than `maxDepth`. */
export function jsonParser(maxDepth = DEFAULT_JSON_DEPTH) {
  return function parseBody(_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // No body at all is not malformed JSON: a route that needs one says so by its schema
    // (INVALID-REQUEST), and one that takes none never gets here (guard.ts).
    if (text.length === 0) return done(null, undefined);
    const r = parseJson(text, maxDepth);
    if (r.ok) done(null, r.value);
    else {
      const malformed = r.code === 'MALFORMED-JSON';
      done(new ApiError(r.code, { en: `the body is ${malformed ? r.reason : `refused: ${r.reason}`}`, ja: `本文は${malformed ? r.ja : `受け付けられません: ${r.ja}`}` }));
    }
  };
}
