/**
 * A change request from plain data (parsed JSON or YAML) to numbers, in two passes like the rule
 * files: the schema (schemas/change-request.schema.json) for shape, then every address, name and
 * service against the loaded rule set. Nothing throws; every error names the rule and field.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import schema from '../../schemas/change-request.schema.json' with { type: 'json' };
import { parseCidr } from '../model/cidr.js';
import { parseServiceRange } from '../model/services.js';
import { didYouMean } from '../model/suggest.js';
import { compileSchema, describePath, describeValue, joinWords, pointerToPath, TYPE_WORDS, TYPE_WORDS_JA } from '../validate/schema-words.js';
import type { Lang } from '../i18n/messages.js';
import { TIERS, serviceRanges, type Model, type ServiceRange } from '../model/types.js';
import type { DecisionTable } from '../lookup/table.js';
import { mergeRanges, splitMapped } from './ranges.js';
import type { ChangeRequest, Endpoints, Range4, Range6, RequestError, RequestRule } from './types.js';

export const CHANGE_REQUEST_SCHEMA = schema;
export const CHANGE_REQUEST_SCHEMA_ID: string = schema.$id;

const validate = compileSchema(schema);

type Path = (string | number)[];

/** `rules[2].src[1]`; "the request" for the root. */
export function fieldOf(path: readonly (string | number)[]): string {
  return describePath(path, 'the request');
}

/** The message with its field, as people read it: `rules[2].src[1]: "10.0.0.1/24": host bits …`. */
export function formatRequestError(e: RequestError, lang: Lang = 'en'): string {
  return `${e.field}: ${lang === 'ja' ? e.ja : e.message}`;
}

function error(path: Path, message: string, ja: string, part: 'key' | 'value' = 'value'): RequestError {
  const index = path[0] === 'rules' && typeof path[1] === 'number' ? path[1] : null;
  return { index, field: fieldOf(path), message, ja, path, part };
}

const PRIORITY = ['additionalProperties', 'required', 'type', 'enum', 'minItems', 'maxItems', 'minLength', 'maxLength'];

/** ajv's findings as one error per offending node, in document order. */
function schemaErrors(data: unknown, errors: readonly ErrorObject[]): RequestError[] {
  const byNode = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    // An unknown key is reported at the key itself, not at the map holding it.
    const at =
      e.keyword === 'additionalProperties'
        ? `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty.replace(/~/g, '~0').replace(/\//g, '~1')}`
        : e.instancePath;
    const list = byNode.get(at);
    if (list) list.push(e);
    else byNode.set(at, [e]);
  }
  const out: RequestError[] = [];
  for (const [pointer, list] of byNode) {
    const path = pointerToPath(pointer, data);
    const rank = (e: ErrorObject) => {
      const i = PRIORITY.indexOf(e.keyword);
      return i < 0 ? PRIORITY.length : i;
    };
    const required = list.filter((e) => e.keyword === 'required');
    const e = [...list].sort((a, b) => rank(a) - rank(b))[0]!;
    const value = path.reduce<unknown>((node, p) => (node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[p] : undefined), data);
    let message: string;
    let ja: string;
    const gotJa = `（実際の値: ${describeValue(value, 'ja')}）`;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(path[path.length - 1]);
        const allowed = Object.keys((e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
        message = `unknown key "${key}"${didYouMean(key, allowed) || `; expected ${joinWords(allowed)}`}`;
        ja = `未知のキー「${key}」です${didYouMean(key, allowed, 'ja') || `。書けるキーは ${joinWords(allowed, 'ja')} です`}`;
        break;
      }
      case 'required': {
        const keys = required.map((r) => (r.params as { missingProperty: string }).missingProperty);
        message = `is missing ${joinWords(keys)}`;
        ja = `${joinWords(keys, 'ja')} がありません`;
        break;
      }
      case 'type': {
        const t = (e.params as { type: string }).type;
        message =
          path.length === 0
            ? `a change request must be a map with rules (and optionally id, description); got ${describeValue(value)}`
            : `must be ${TYPE_WORDS[t] ?? t}; got ${describeValue(value)}`;
        ja = path.length === 0 ? `変更申請は rules（と、任意で id、description）を持つマップでなければなりません${gotJa}` : `${TYPE_WORDS_JA[t] ?? t}でなければなりません${gotJa}`;
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        const str = typeof value === 'string';
        message = `must be ${allowed.join(' or ')}; got ${describeValue(value)}${str ? didYouMean(value, allowed) : ''}`;
        ja = `${allowed.join(' か ')} でなければなりません${gotJa}${str ? didYouMean(value, allowed, 'ja') : ''}`;
        break;
      }
      case 'minItems':
      case 'minLength':
        message = 'must not be empty';
        ja = '空にできません';
        break;
      case 'maxItems': {
        const limit = (e.params as { limit: number }).limit;
        message = `lists more than ${limit} items`;
        ja = `項目が ${limit} 個を超えています`;
        break;
      }
      case 'maxLength': {
        const limit = (e.params as { limit: number }).limit;
        message = `is longer than ${limit} characters`;
        ja = `${limit} 文字を超えています`;
        break;
      }
      default:
        message = `${e.message ?? 'is not valid'}; got ${describeValue(value)}`;
        ja = `正しくありません（${e.keyword}）${gotJa}`;
    }
    out.push(error(path, message, ja, e.keyword === 'additionalProperties' ? 'key' : 'value'));
  }
  return out;
}

// — names, addresses and services against the rule set —

interface Names {
  segments: Map<string, number>;
}

const namesOf = new WeakMap<Model, Names>();

function names(model: Model): Names {
  let n = namesOf.get(model);
  if (!n) {
    n = { segments: new Map(model.segments.map((s) => [s.name, s.index])) };
    namesOf.set(model, n);
  }
  return n;
}

/** Text that can only be meant as an address: it has a slash or a colon, or is digits and dots. */
export function looksLikeAddress(text: string): boolean {
  return /[/:%]/.test(text) || /^[\d.]+$/.test(text);
}

/** The segments a selector names; an error ({en, ja}) for an unknown tier; '' when it names nothing. */
function selectorSegments(model: Model, text: string): number[] | { en: string; ja: string } | '' {
  if (text === 'outside') return [model.outside];
  if (text.startsWith('tier:')) {
    const t = text.slice(5);
    const tier = TIERS.find((x) => x === t);
    if (!tier) {
      const tiers = TIERS.map((x) => `tier:${x}`);
      return {
        en: `unknown tier "${t}"; tiers are ${TIERS.join(', ')}${didYouMean(text, tiers)}`,
        ja: `層「${t}」はありません。層は ${TIERS.join('、')} です${didYouMean(text, tiers, 'ja')}`,
      };
    }
    return model.segments.filter((s) => s.tier === tier).map((s) => s.index);
  }
  const seg = names(model).segments.get(text);
  if (seg !== undefined && seg !== model.outside) return [seg];
  const group = model.groups.get(text);
  if (group) return group.segments;
  return '';
}

/**
 * One selector as `from`/`to` and change requests write it (a segment or group name, `outside`,
 * `tier:<tier>`) → its segments, ascending; or why not, with a "did you mean" when a name is
 * close. `hint` ends the message for a name that is nothing like any.
 */
export function selectorOf(model: Model, text: string, hint: { en: string; ja: string }): number[] | { en: string; ja: string } {
  const named = selectorSegments(model, text);
  if (Array.isArray(named)) return [...new Set(named)].sort((a, b) => a - b);
  if (named !== '') return named;
  const candidates = [...names(model).segments.keys(), ...model.groups.keys()];
  return {
    en: `no segment or group named ${describeValue(text)}${didYouMean(text, candidates) || hint.en}`,
    ja: `${describeValue(text)} という名前のセグメントもグループもありません${didYouMean(text, candidates, 'ja') || hint.ja}`,
  };
}

/** The strings of a list, with their positions, leaving out what the schema pass already faulted. */
function items(list: unknown, path: Path, faulted: ReadonlySet<string>): [string, number][] {
  if (!Array.isArray(list)) return [];
  const out: [string, number][] = [];
  list.forEach((item, i) => {
    if (typeof item === 'string' && !faulted.has(fieldOf([...path, i]))) out.push([item, i]);
  });
  return out;
}

function parseEndpoints(model: Model, list: readonly [string, number][], path: Path, errors: RequestError[]): Endpoints {
  const segments = new Set<number>();
  const v4: Range4[] = [];
  const mapped: Range4[] = [];
  const v6: Range6[] = [];
  list.forEach(([text, i]) => {
    const at = [...path, i];
    // A name first: names never contain / or :, and one that looks like an address is unusual
    // enough that the rule set's own meaning should win.
    const named = text.includes('/') || (text.includes(':') && !text.startsWith('tier:')) ? '' : selectorSegments(model, text);
    if (Array.isArray(named)) {
      for (const s of named) segments.add(s);
      return;
    }
    if (named !== '') {
      errors.push(error(at, named.en, named.ja));
      return;
    }
    if (!looksLikeAddress(text)) {
      const e = selectorOf(model, text, {
        en: '; write a CIDR, an address, a segment or group name, outside or tier:<tier>',
        ja: '。CIDR、アドレス、セグメント名、グループ名、outside または tier:<層> を書いてください',
      }) as { en: string; ja: string };
      errors.push(error(at, e.en, e.ja));
      return;
    }
    const r = parseCidr(text, true);
    if (!r.ok) {
      errors.push(
        error(at, r.reason.includes(`"${text}"`) ? r.reason : `${describeValue(text)}: ${r.reason}`, r.ja.includes(`「${text}」`) ? r.ja : `${describeValue(text)}: ${r.ja}`),
      );
      return;
    }
    const { family, first, last } = r.cidr;
    if (family === 4) {
      v4.push({ lo: Number(first), hi: Number(last) });
      return;
    }
    const split = splitMapped(first, last);
    v6.push(...split.v6);
    if (split.mapped) mapped.push(split.mapped);
  });
  return {
    segments: [...segments].sort((a, b) => a - b),
    v4: mergeRanges(v4),
    mapped: mergeRanges(mapped),
    v6: mergeRanges(v6),
  };
}

/** A service as the rule files write it: a name of the rule set, else a literal. */
function parseServices(model: Model, list: readonly [string, number][], path: Path, errors: RequestError[]): ServiceRange[] {
  const ranges: ServiceRange[] = [];
  list.forEach(([text, i]) => {
    const named = model.services.get(text);
    if (named) {
      ranges.push(...serviceRanges(named));
      return;
    }
    const r = parseServiceRange(text);
    if (r.ok) {
      ranges.push(r.range);
      return;
    }
    const literal = /^(tcp|udp|icmp|icmpv6|proto)(\/|$)/.test(text) || text.includes('/');
    const names = [...model.services.keys()];
    const hint = didYouMean(text, names) || '; write tcp/443, udp/53, tcp/8000-8080, icmp, icmpv6, proto/47, any or a service name of the rule set';
    const hintJa = didYouMean(text, names, 'ja') || '。tcp/443、udp/53、tcp/8000-8080、icmp、icmpv6、proto/47、any か、ルールセットのサービス名を書いてください';
    errors.push(
      error(
        [...path, i],
        literal ? r.reason : `no service named ${describeValue(text)}${hint}`,
        literal ? r.ja : `${describeValue(text)} という名前のサービスはありません${hintJa}`,
      ),
    );
  });
  return mergeRanges(ranges);
}

export type ParseResult = { request: ChangeRequest; errors?: undefined } | { request?: undefined; errors: RequestError[] };

const isRec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const FIELD_ORDER = ['src', 'dst', 'services', 'action', 'description'];

/** Request-level errors first, then by rule, then in the order a rule is written. */
function byPlace(a: RequestError, b: RequestError): number {
  const rank = (e: RequestError) => (typeof e.path[2] === 'string' ? FIELD_ORDER.indexOf(e.path[2]) : -1);
  const item = (e: RequestError) => (typeof e.path[3] === 'number' ? e.path[3] : -1);
  return (a.index ?? -1) - (b.index ?? -1) || rank(a) - rank(b) || item(a) - item(b);
}

/**
 * Shape (the schema), then meaning (addresses, names, services against `table`'s rule set).
 * Every well-shaped address, name and service is checked even when other parts of the request
 * are malformed, so one run reports everything to fix.
 */
export function parseChangeRequest(data: unknown, table: DecisionTable): ParseResult {
  const shaped = validate(data);
  const errors: RequestError[] = shaped ? [] : schemaErrors(data, validate.errors ?? []);
  const faulted = new Set(errors.map((e) => e.field));
  const model = table.model;
  const rawRules = isRec(data) && Array.isArray(data.rules) ? data.rules : [];
  const rules: RequestRule[] = rawRules.map((r: unknown, index) => {
    const raw = isRec(r) ? r : {};
    const at = (key: string): Path => ['rules', index, key];
    const src = items(raw.src, at('src'), faulted);
    const dst = items(raw.dst, at('dst'), faulted);
    const services = items(raw.services, at('services'), faulted);
    return {
      index,
      action: raw.action === 'deny' ? 'deny' : 'allow',
      src: parseEndpoints(model, src, at('src'), errors),
      dst: parseEndpoints(model, dst, at('dst'), errors),
      services: parseServices(model, services, at('services'), errors),
      text: { src: src.map(([t]) => t), dst: dst.map(([t]) => t), services: services.map(([t]) => t) },
    };
  });
  if (errors.length > 0) return { errors: errors.sort(byPlace) };
  const id = (data as { id?: string }).id;
  return { request: { id: id ?? null, rules } };
}
