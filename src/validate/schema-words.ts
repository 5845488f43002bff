/**
 * What both schema passes share — rule files (validate/schema.ts) and change requests
 * (check/parse.ts): the ajv setup, and the words that turn ajv's findings into messages people
 * read, so that a path, a value or a type reads the same in `sanso validate` and `sanso check`.
 * The words take a language (`'en' | 'ja'`, as i18n/messages.ts Lang) for --lang ja.
 */
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js';

// ajv is CommonJS: under NodeNext the default import is module.exports, whose .default is the class.
const Ajv2020 = Ajv2020Module.default;

/** A JSON Schema 2020-12 compiled once, reporting every error with the failing data. */
export function compileSchema(schema: object): ValidateFunction {
  return new Ajv2020({ allErrors: true, strict: true, verbose: true }).compile(schema);
}

/** `segments[2].tier`, `services.https[0]`, `policy.clauses["X Y"]`; `root` for the root. */
export function describePath(path: readonly (string | number)[], root = 'the file'): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[\p{L}\p{N}_-]+$/u.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? root : out;
}

/** A value as a message shows it: `"lgwn"`, `42`, `a list`, `a map`, `nothing`. */
export function describeValue(v: unknown, lang: 'en' | 'ja' = 'en'): string {
  const ja = lang === 'ja';
  if (v === null || v === undefined) return ja ? '空の値' : 'nothing (an empty value)';
  if (Array.isArray(v)) return ja ? 'リスト' : 'a list';
  if (typeof v === 'object') return ja ? 'マップ' : 'a map';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

export const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  array: 'a list',
  object: 'a map (key: value)',
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  null: 'empty',
};

export const TYPE_WORDS_JA: Record<string, string> = {
  string: '文字列',
  array: 'リスト',
  object: 'マップ（キー: 値）',
  boolean: '真偽値（true か false）',
  integer: '整数',
  number: '数値',
  null: '空',
};

/** JSON pointer → path; a segment is an index only where the data holds a list there. */
export function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(seg));
      node = node[Number(seg)];
    } else {
      out.push(seg);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

/** `a, b and c`; in Japanese `a、b、c`. */
export function joinWords(words: readonly string[], lang: 'en' | 'ja' = 'en'): string {
  if (lang === 'ja') return words.join('、');
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
