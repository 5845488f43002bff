/**
 * Bearer tokens with scopes. Only SHA-256 digests of tokens are configured and kept; a
 * presented token is hashed and compared with every configured digest in constant time
 * (fixed 32-byte buffers, no early exit), so neither the file nor the timing gives a token away.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export const SCOPES = ['decide', 'check', 'audit', 'read-policy', 'metrics', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Caller {
  name: string;
  scopes: ReadonlySet<Scope>;
}

export interface TokenEntry extends Caller {
  digest: Buffer;
  /** When the token stops being accepted (ms since the epoch); none: it does not expire. */
  expires?: number;
}

const HEX64 = /^[0-9a-f]{64}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** RFC 6750 b64token, bounded: a longer header is not a token we issued. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,4096}=*) *$/i;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface TokensResult {
  tokens: TokenEntry[];
  errors: string[];
}

/**
 * A token list in JSON or YAML: `[{ name, sha256, scopes: [...], expires? }]`. `sha256` is the
 * hex digest of the token (optionally prefixed `sha256:`); `expires` an RFC 3339 date-time with
 * its offset (2027-03-31T23:59:59+09:00), after which the token is refused. Errors name the
 * entry; nothing throws.
 */
export function parseTokens(text: string, source: string): TokensResult {
  const errors: string[] = [];
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 0, uniqueKeys: true });
  } catch (e) {
    return { tokens: [], errors: [`${source}: not valid JSON or YAML: ${(e as Error).message.split('\n')[0]}`] };
  }
  if (!Array.isArray(data)) return { tokens: [], errors: [`${source}: expected a list of {name, sha256, scopes}`] };
  const tokens: TokenEntry[] = [];
  const names = new Set<string>();
  const digests = new Set<string>();
  data.forEach((entry: unknown, i) => {
    const at = `${source}: entry ${i}`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      errors.push(`${at}: expected an object {name, sha256, scopes}`);
      return;
    }
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e))
      if (k !== 'name' && k !== 'sha256' && k !== 'scopes' && k !== 'expires') errors.push(`${at}: unknown key "${k}" (tokens are configured by their sha256 digest only)`);
    const name = e.name;
    if (typeof name !== 'string' || name.length === 0) {
      errors.push(`${at}: name must be a non-empty string`);
      return;
    }
    const here = `${source}: token "${name}"`;
    if (names.has(name)) errors.push(`${here}: the name is used twice`);
    names.add(name);
    let hex = typeof e.sha256 === 'string' ? e.sha256.toLowerCase() : '';
    if (hex.startsWith('sha256:')) hex = hex.slice(7);
    if (!HEX64.test(hex)) {
      errors.push(`${here}: sha256 must be the 64-hex-digit SHA-256 digest of the token`);
      return;
    }
    if (digests.has(hex)) errors.push(`${here}: the same digest is configured twice`);
    digests.add(hex);
    if (!Array.isArray(e.scopes) || e.scopes.length === 0) {
      errors.push(`${here}: scopes must be a non-empty list of ${SCOPES.join(', ')}`);
      return;
    }
    const scopes = new Set<Scope>();
    for (const s of e.scopes) {
      if (typeof s === 'string' && (SCOPES as readonly string[]).includes(s)) scopes.add(s as Scope);
      else errors.push(`${here}: unknown scope ${JSON.stringify(s)} (known: ${SCOPES.join(', ')})`);
    }
    let expires: number | undefined;
    if (e.expires !== undefined) {
      const text = e.expires instanceof Date ? e.expires.toISOString() : e.expires;
      if (typeof text !== 'string' || !RFC3339.test(text) || Number.isNaN(Date.parse(text))) {
        errors.push(`${here}: expires must be an RFC 3339 date-time with its offset, e.g. 2027-03-31T23:59:59+09:00`);
        return;
      }
      expires = Date.parse(text);
    }
    tokens.push({ name, digest: Buffer.from(hex, 'hex'), scopes, ...(expires !== undefined ? { expires } : {}) });
  });
  return { tokens: errors.length ? [] : tokens, errors };
}

/**
 * Tokens from, in order of precedence: a file given on the command line, SANSO_TOKENS (the list
 * itself), SANSO_TOKENS_FILE. None configured → an empty list (loopback-only, open service).
 */
export function loadTokens(file: string | undefined, env: NodeJS.ProcessEnv): TokensResult & { source: string | null; file: string | null } {
  if (file !== undefined) return { ...readTokenFile(file), source: file, file };
  if (env.SANSO_TOKENS !== undefined && env.SANSO_TOKENS.trim() !== '') return { ...parseTokens(env.SANSO_TOKENS, 'SANSO_TOKENS'), source: 'SANSO_TOKENS', file: null };
  if (env.SANSO_TOKENS_FILE !== undefined && env.SANSO_TOKENS_FILE !== '')
    return { ...readTokenFile(env.SANSO_TOKENS_FILE), source: env.SANSO_TOKENS_FILE, file: env.SANSO_TOKENS_FILE };
  return { tokens: [], errors: [], source: null, file: null };
}

export function readTokenFile(file: string): TokensResult {
  let text: string;
  try {
    // Anyone who can write the file can give themselves admin: refuse it as if it were missing.
    // (Kubernetes Secrets mount 0644 behind a symlink; stat follows it to the real file.)
    const st = statSync(file);
    if ((st.mode & 0o002) !== 0) return { tokens: [], errors: [`${file}: the token file is writable by every user (mode ${(st.mode & 0o777).toString(8)}); chmod o-w it`] };
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { tokens: [], errors: [`${file}: cannot read the token file (${(e as NodeJS.ErrnoException).code ?? 'error'})`] };
  }
  const r = parseTokens(text, file);
  if (r.errors.length === 0 && r.tokens.length === 0) r.errors.push(`${file}: the token list is empty`);
  return r;
}

/**
 * The caller an Authorization header identifies, or null. Compares against every entry. An
 * expired token is refused like an unknown one (`now` in ms, for tests).
 */
export function authenticate(tokens: readonly TokenEntry[], header: string | undefined, now = Date.now()): Caller | null {
  if (header === undefined) return null;
  const m = BEARER.exec(header);
  if (!m) return null;
  const digest = createHash('sha256').update(m[1]!, 'utf8').digest();
  let found: TokenEntry | null = null;
  for (const t of tokens) {
    // No early exit: the time taken does not depend on which entry (if any) matches.
    if (timingSafeEqual(digest, t.digest) && found === null) found = t;
  }
  if (found !== null && found.expires !== undefined && now >= found.expires) return null;
  return found;
}

export function hasScope(caller: Caller | null, scope: Scope): boolean {
  return caller !== null && (caller.scopes.has(scope) || caller.scopes.has('admin'));
}

/** Whether this caller may see CIDRs and rule bodies: anyone when no tokens are configured. */
export function canReadPolicy(ctx: { readonly secured: boolean }, caller: Caller | null): boolean {
  return !ctx.secured || hasScope(caller, 'read-policy');
}

/** Hosts that only this machine can reach: where an open (token-less) service may listen. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(v4) && v4.split('.').every((o) => Number(o) <= 255);
}
