import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

/** Options every command takes (the command table in README). */
export const COMMON_OPTIONS = {
  rules: { type: 'string', default: 'rules/' },
  'as-of': { type: 'string' },
  lang: { type: 'string', default: 'en' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** node:util parseArgs, with its errors turned into usage errors (exit 2). */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, allowPositionals = true) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values as Record<string, unknown>;
  const asOf = v['as-of'];
  if (
    asOf !== undefined &&
    (typeof asOf !== 'string' || !DATE.test(asOf) || Number.isNaN(Date.parse(`${asOf}T00:00:00Z`)) || new Date(`${asOf}T00:00:00Z`).toISOString().slice(0, 10) !== asOf)
  ) {
    throw new UsageError(`--as-of takes a date YYYY-MM-DD, not "${String(asOf)}"`);
  }
  if (v.lang !== 'en' && v.lang !== 'ja') throw new UsageError(`--lang takes en or ja, not "${String(v.lang)}"`);
  return parsed;
}

/**
 * A path the user named that is not there is a mistake in the call (exit 2), the same for every
 * command, and is said before any work starts. `-` (standard input) always exists.
 */
export function mustExist(path: string, what: string): void {
  if (path !== '-' && !existsSync(path)) throw new UsageError(`${what} ${path} does not exist`);
}
