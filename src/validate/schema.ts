/**
 * The schema pass: each rule file against schemas/rules.schema.json, with ajv's findings
 * rewritten as problems a network administrator can act on, each at the offending node.
 * The validator is compiled once, when this module loads.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import schema from '../../schemas/rules.schema.json' with { type: 'json' };
import { problem, type Problem } from '../problems/problem.js';
import type { ProblemCode } from '../problems/codes.js';
import type { SourceFile } from '../source/read.js';
import { didYouMean } from '../model/suggest.js';
import { compileSchema, describePath, describeValue, joinWords, pointerToPath, TYPE_WORDS, TYPE_WORDS_JA } from './schema-words.js';

export { describePath, describeValue };

export const RULES_SCHEMA_ID: string = schema.$id;
export const RULES_SCHEMA = schema;

const validate = compileSchema(schema);

/** Messages for pattern failures, keyed by the $defs entry whose pattern failed. */
const PATTERN_HINTS: Record<string, { en: string; ja: string }> = {
  name: {
    en: 'must be a name: a letter or digit, then letters, digits, "-", "_" or "."',
    ja: 'は名前でなければなりません（英字か数字で始まり、英字・数字・「-」「_」「.」が続く）',
  },
  id: {
    en: 'must be an id: a letter or digit, then letters, digits, "-", "_" or "." (e.g. F-010)',
    ja: 'は ID でなければなりません（英字か数字で始まり、英字・数字・「-」「_」「.」が続く。例: F-010）',
  },
  selector: {
    en: "must be a segment name, a group name, outside or tier:<tier> (addresses belong in a segment's cidrs)",
    ja: 'はセグメント名、グループ名、outside または tier:<層> でなければなりません（アドレスはセグメントの cidrs に書きます）',
  },
  date: { en: 'must be a date YYYY-MM-DD', ja: 'は YYYY-MM-DD 形式の日付でなければなりません' },
};

/** The $defs entry an error's schema path points into, if any. */
function defOf(e: ErrorObject): string | null {
  const m = /^#\/\$defs\/([^/]+)\//.exec(e.schemaPath);
  return m ? m[1]! : null;
}

/** The keys a map at this place may hold, from the schema that rejected one. */
function allowedKeys(e: ErrorObject): string[] {
  const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

/** What each property of an object schema expects, for "is missing …" messages. */
function expectation(e: ErrorObject, key: string, lang: 'en' | 'ja'): string {
  const prop = (e.parentSchema as { properties?: Record<string, { enum?: string[]; $ref?: string }> } | undefined)?.properties?.[key];
  let enumValues = prop?.enum;
  if (!enumValues && prop?.$ref?.startsWith('#/$defs/')) {
    enumValues = (schema.$defs as Record<string, { enum?: string[] }>)[prop.$ref.slice(8)]?.enum;
  }
  if (!enumValues) return key;
  return lang === 'ja' ? `${key}（${enumValues.join('、')}）` : `${key} (${enumValues.join(', ')})`;
}

const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'not', 'if', 'propertyNames']);
/** When one node fails several keywords, the one that explains it best. */
const PRIORITY = ['type', 'enum', 'const', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems'];

interface Node {
  path: (string | number)[];
  part: 'key' | 'value';
  errors: ErrorObject[];
}

function explain(file: SourceFile, node: Node): Problem[] {
  const where = describePath(node.path);
  const whereJa = describePath(node.path, 'ファイル');
  const at = file.locate(node.path, node.part);
  const errors = node.errors.some((e) => !COMBINATORS.has(e.keyword)) ? node.errors.filter((e) => !COMBINATORS.has(e.keyword)) : node.errors;

  const unknown = errors.find((e) => e.keyword === 'additionalProperties');
  if (unknown) {
    const key = String(node.path[node.path.length - 1]);
    const allowed = allowedKeys(unknown);
    const parent = describePath(node.path.slice(0, -1));
    const inWhat = node.path.length === 1 ? 'unknown top-level key' : `unknown key in ${parent}:`;
    const hint = didYouMean(key, allowed) || (allowed.length ? `; expected ${joinWords(allowed)}` : '');
    const hintJa = didYouMean(key, allowed, 'ja') || (allowed.length ? `。書けるキーは ${joinWords(allowed, 'ja')} です` : '');
    const ja = node.path.length === 1 ? `トップレベルに未知のキー「${key}」があります${hintJa}` : `${parent} に未知のキー「${key}」があります${hintJa}`;
    return [problem('SCHEMA-UNKNOWN-KEY', at, `${inWhat} "${key}"${hint}`, ja)];
  }

  const missing = errors.filter((e) => e.keyword === 'required');
  if (missing.length) {
    const keyOf = (e: ErrorObject) => (e.params as { missingProperty: string }).missingProperty;
    const keys = missing.map((e) => expectation(e, keyOf(e), 'en'));
    const keysJa = missing.map((e) => expectation(e, keyOf(e), 'ja'));
    const what = node.path.length === 0 ? 'the file' : where;
    return [problem('SCHEMA-VIOLATION', at, `${what} is missing ${joinWords(keys)}`, `${whereJa} に ${joinWords(keysJa, 'ja')} がありません`)];
  }

  const e = [...errors].sort((a, b) => rank(a) - rank(b))[0]!;
  const def = defOf(e);
  const value: unknown = node.part === 'key' ? node.path[node.path.length - 1] : e.data;
  const got = `; got ${describeValue(value)}`;
  const gotJa = `（実際の値: ${describeValue(value, 'ja')}）`;
  const subject = node.part === 'key' ? `key "${String(value)}" in ${describePath(node.path.slice(0, -1))}` : where;
  const subjectJa = node.part === 'key' ? `${describePath(node.path.slice(0, -1), 'ファイル')} のキー「${String(value)}」` : whereJa;
  let code: ProblemCode = def === 'date' ? 'EXCEPTION-DATE-INVALID' : 'SCHEMA-VIOLATION';
  let text: string;
  let ja: string;
  switch (e.keyword) {
    case 'type': {
      const t = (e.params as { type: string | string[] }).type;
      const types = Array.isArray(t) ? t : [t];
      const want = types.map((x) => TYPE_WORDS[x] ?? x).join(' or ');
      const wantJa = types.map((x) => TYPE_WORDS_JA[x] ?? x).join('か');
      const service = (def === 'service' || def === 'serviceLiteral') && typeof value === 'number';
      const extra = def === 'date' ? ' (a date YYYY-MM-DD)' : service ? ` such as tcp/${value}: a service names its protocol` : '';
      const extraJa = def === 'date' ? '（YYYY-MM-DD 形式の日付）' : service ? `（tcp/${value} のように、サービスにはプロトコルを書きます）` : '';
      if (node.path.length === 0) {
        text = `a rule file must be a map of policy, services, groups, segments, flows and exceptions${got}`;
        ja = `ルールファイルは policy、services、groups、segments、flows、exceptions を持つマップでなければなりません${gotJa}`;
      } else {
        text = `${subject} must be ${want}${extra}${got}`;
        ja = `${subjectJa} は${wantJa}でなければなりません${extraJa}${gotJa}`;
      }
      break;
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const str = typeof value === 'string';
      text = `${subject} must be one of ${allowed.join(', ')}${got}${str ? didYouMean(value, allowed) : ''}`;
      ja = `${subjectJa} は ${allowed.join('、')} のいずれかでなければなりません${gotJa}${str ? didYouMean(value, allowed, 'ja') : ''}`;
      break;
    }
    case 'pattern': {
      if (def === 'name' && typeof value === 'string' && value.startsWith('tier:')) {
        code = 'NAME-RESERVED';
        text = `"${value}" cannot be a name: names starting with tier: are reserved for tier selectors`;
        ja = `「${value}」は名前に使えません。tier: で始まる名前は層の指定（tier:<層>）のために予約されています`;
      } else {
        const hint = PATTERN_HINTS[def ?? ''];
        text = `${subject} ${hint?.en ?? 'is not in the expected form'}${got}`;
        ja = `${subjectJa} ${hint?.ja ?? 'は期待される形式ではありません'}${gotJa}`;
      }
      break;
    }
    case 'minLength':
      text = `${subject} must not be empty`;
      ja = `${subjectJa} は空にできません`;
      break;
    case 'maxLength': {
      const limit = (e.params as { limit: number }).limit;
      text = `${subject} is longer than ${limit} characters`;
      ja = `${subjectJa} が ${limit} 文字を超えています`;
      break;
    }
    case 'minItems': {
      const limit = (e.params as { limit: number }).limit;
      text = `${subject} must list at least ${limit === 1 ? 'one item' : `${limit} items`}; remove the key if there is nothing to list`;
      ja = `${subjectJa} には少なくとも ${limit} 個の項目が必要です。書くものがなければキーごと削除してください`;
      break;
    }
    case 'anyOf':
    case 'oneOf':
      text = `${subject} matches none of the forms allowed here${got}`;
      ja = `${subjectJa} はここで使えるどの形式にも当てはまりません${gotJa}`;
      break;
    default:
      text = `${subject} ${e.message ?? 'is not valid'}${got}`;
      ja = `${subjectJa} は正しくありません（${e.keyword}）${gotJa}`;
  }
  return [problem(code, at, text, ja)];
}

function rank(e: ErrorObject): number {
  const i = PRIORITY.indexOf(e.keyword);
  return i < 0 ? PRIORITY.length : i;
}

/**
 * Every schema problem of one file, one per offending node, in document order. An empty file
 * (nothing but comments) is a valid, empty rule file.
 */
export function checkSchema(file: SourceFile): Problem[] {
  if (file.data === null || file.data === undefined) return [];
  if (validate(file.data)) return [];
  const nodes = new Map<string, Node>();
  for (const e of validate.errors ?? []) {
    const base = pointerToPath(e.instancePath, file.data);
    let path = base;
    let part: 'key' | 'value' = 'value';
    if (e.keyword === 'additionalProperties') {
      path = [...base, (e.params as { additionalProperty: string }).additionalProperty];
      part = 'key';
    } else if (e.keyword === 'propertyNames') {
      path = [...base, (e.params as { propertyName: string }).propertyName];
      part = 'key';
    } else if (e.propertyName !== undefined) {
      path = [...base, e.propertyName];
      part = 'key';
    }
    const id = `${part}\0${JSON.stringify(path)}`;
    const node = nodes.get(id);
    if (node) node.errors.push(e);
    else nodes.set(id, { path, part, errors: [e] });
  }
  return [...nodes.values()].flatMap((n) => explain(file, n));
}
