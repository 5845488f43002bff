/**
 * Reads rule files into plain data that remembers where every node came from. Nothing here
 * throws on bad input: unreadable paths, bad encodings and YAML errors become problems with a
 * position, and the file is left out of the merge.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LineCounter, parseAllDocuments, isMap, isSeq, isPair, isScalar, visit, type Alias, type Document, type ErrorCode, type Node as YamlNode } from 'yaml';
import { problem, type Problem } from '../problems/problem.js';
import type { Location } from './location.js';

/** Bounds an alias bomb: rule files have no use for more aliases than this. */
export const MAX_ALIAS_COUNT = 100;
/** A rule file larger than this is refused before parsing (a city's rules are a few hundred KB). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export type Path = readonly (string | number)[];

export interface SourceFile {
  /** As shown in messages: the path as given, joined with the file name. */
  file: string;
  /** Plain JSON-like data (null for an empty file). */
  data: unknown;
  /** Where a node is: the value at `path`, or with part 'key' the key naming it. */
  locate(path: Path, part?: 'key' | 'value'): Location;
}

export interface ReadResult {
  /** The files that parsed, in merge order. */
  files: SourceFile[];
  /** Every rule file found, in merge order, including those that failed to read or parse. */
  names: string[];
  problems: Problem[];
  /** "sha256:…" over every file's name and bytes in merge order. */
  version: string;
}

// Case-insensitive: a file saved as RULES.YML on Windows is a rule file, not something to skip.
const RULE_FILE = /\.ya?ml$/i;
/** Bounds the walk that looks for rule files in subfolders (to warn about them, not to read them). */
const MAX_SKIPPED_WALK = 1000;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Byte order of names, as docs/rules.md says, not locale order. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The yaml parser's errors in Japanese, one sentence per error code: its English messages name
 * the cause in its own words, which --lang ja cannot pass on. A Record over ErrorCode, so a code
 * a new yaml version adds fails to compile here rather than print English.
 */
const YAML_ERRORS_JA: Record<ErrorCode, string> = {
  ALIAS_PROPS: 'エイリアスにアンカーやタグは付けられません',
  BAD_ALIAS: 'エイリアスの書き方が正しくありません',
  BAD_DIRECTIVE: 'ディレクティブ（% で始まる行）が正しくありません',
  BAD_DQ_ESCAPE: '二重引用符の文字列に正しくないエスケープがあります',
  BAD_INDENT: 'インデント（字下げ）が正しくありません（括弧 [ ] や { } が閉じていない場合もあります）',
  BAD_PROP_ORDER: 'アンカーとタグの順序が正しくありません',
  BAD_SCALAR_START: 'この文字で値を始めることはできません（引用符で囲んでください）',
  BLOCK_AS_IMPLICIT_KEY: 'ブロックはキーとして使えません',
  BLOCK_IN_FLOW: 'フロー形式（[ ] や { }）の中にブロックは書けません',
  DUPLICATE_KEY: '同じキーが二度あります',
  IMPOSSIBLE: 'YAML として読めない箇所があります',
  KEY_OVER_1024_CHARS: 'キーが 1024 文字を超えています',
  MISSING_CHAR: '閉じる文字（引用符や括弧）がありません',
  MULTILINE_IMPLICIT_KEY: 'キーは一行に書いてください（コロンの後に空白が必要な場合があります）',
  MULTIPLE_ANCHORS: '一つの値にアンカーが複数あります',
  MULTIPLE_DOCS: 'ドキュメントが複数あります',
  MULTIPLE_TAGS: '一つの値にタグが複数あります',
  NON_STRING_KEY: 'キーは文字列にしてください',
  RESOURCE_EXHAUSTION: '展開が大きすぎます',
  TAB_AS_INDENT: 'タブでインデントされています。YAML のインデントは空白のみです',
  TAG_RESOLVE_FAILED: 'タグを解決できません',
  UNEXPECTED_TOKEN: '予期しない記号があります',
  BAD_COLLECTION_TYPE: 'コレクションの種類がタグと合いません',
};

function at(file: string, line = 1, col = 1): Location {
  return { file, line, col };
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    let n = 0;
    let min = 0;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

function lineColOfByte(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++)
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  return { line, col: offset - start + 1 };
}

function expand(paths: readonly string[], problems: Problem[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      problems.push(problem('PATH-NOT-FOUND', at(p), `${p} does not exist`, `${p} が存在しません`));
      continue;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(p);
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? 'error';
        problems.push(problem('READ-FAILED', at(p), `cannot list ${p}: ${why}`, `${p} の一覧を読めません（${why}）`));
        continue;
      }
      warnSubfolders(p, names, problems);
      const rules = names.filter((n) => RULE_FILE.test(n)).sort(byteOrder);
      const files = rules.filter((n) => {
        try {
          return statSync(join(p, n)).isFile();
        } catch {
          return false;
        }
      });
      if (files.length === 0) problems.push(problem('NO-RULE-FILES', at(p), `${p} holds no *.yaml or *.yml files`, `${p} にルールファイル（*.yaml、*.yml）がありません`));
      for (const n of files) add(join(p, n));
    } else add(p);
  }
  return out;
}

/**
 * A directory means the rule files directly in it; a rule file in a subfolder is not read, and
 * each one gets a warning so that is never a silent surprise. Hidden folders (.git) are skipped.
 */
function warnSubfolders(dir: string, names: readonly string[], problems: Problem[]): void {
  let budget = MAX_SKIPPED_WALK;
  const walk = (d: string, entries: readonly string[], top: boolean) => {
    for (const n of [...entries].sort(byteOrder)) {
      if (budget-- <= 0 || n.startsWith('.')) continue;
      const full = join(d, n);
      let st;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        let sub: string[];
        try {
          sub = readdirSync(full);
        } catch {
          continue;
        }
        walk(full, sub, false);
      } else if (!top && st.isFile() && RULE_FILE.test(n)) {
        problems.push(
          problem(
            'RULE-FILE-SKIPPED',
            at(full),
            `${full} is in a subfolder of ${dir} and is not read; move it into ${dir} or name it as a path of its own`,
            `${full} は ${dir} のサブフォルダにあるため読み込まれません。${dir} に移すか、パスとして個別に指定してください`,
          ),
        );
      }
    }
  };
  walk(dir, names, true);
}

function nodeAt(doc: Document, path: Path, part: 'key' | 'value'): YamlNode | null {
  let node: unknown = doc.contents;
  let keyNode: unknown = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg));
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      keyNode = null;
      node = node.items[seg];
    } else break;
  }
  const chosen = part === 'key' && keyNode ? keyNode : node;
  return chosen && typeof chosen === 'object' && 'range' in chosen ? (chosen as YamlNode) : null;
}

function isEmptyDocument(d: Document): boolean {
  const c = d.contents;
  return c === null || (isScalar(c) && c.value === null && !c.anchor && !c.tag);
}

/** For a duplicate key at `offset`: the text and offset of the same key's first occurrence. */
function firstKeyBefore(doc: Document, offset: number): { key: string; offset: number } | null {
  let found: { key: string; offset: number } | null = null;
  visit(doc, {
    Map(_, map) {
      const keys = map.items.map((it) => (isScalar(it.key) ? it.key : null));
      const dup = keys.find((k) => k?.range?.[0] === offset);
      if (!dup) return undefined;
      const first = keys.find((k) => k && k !== dup && String(k.value) === String(dup.value));
      if (first?.range) found = { key: String(dup.value), offset: first.range[0] };
      return visit.BREAK;
    },
  });
  return found;
}

/** The first alias node (with `source`, the first unresolved one of that name). */
function findAlias(doc: Document, source: string | null): Alias | null {
  let found: Alias | null = null;
  visit(doc, {
    Alias(_, node) {
      if (source === null || (node.source === source && !node.resolve(doc))) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * One rule file from its bytes: the SourceFile, or null with the reasons pushed to `problems`.
 * `file` is the name messages show. Exported for callers that hold the bytes already.
 */
export function parseRuleBytes(file: string, bytes: Uint8Array, problems: Problem[]): SourceFile | null {
  // YAML allows a byte-order mark at the start of the stream (Windows editors write one), so a
  // leading BOM is dropped before decoding: positions then count as the editor shows them. YAML
  // forbids one inside a document, so any other BOM is an error at its position.
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  const innerBom = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(BOM);
  if (innerBom >= 0) {
    const { line, col } = lineColOfByte(bytes, innerBom);
    problems.push(
      problem(
        'ENCODING-BOM',
        at(file, line, col),
        'a byte-order mark (U+FEFF) may only start the file; delete this one',
        'バイト順マーク（U+FEFF）はファイルの先頭にしか置けません。この位置のものを削除してください',
      ),
    );
    return null;
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const { line, col } = lineColOfByte(bytes, bad);
    const hex = bytes[bad]!.toString(16).padStart(2, '0');
    problems.push(
      problem(
        'ENCODING-INVALID',
        at(file, line, col),
        `byte 0x${hex} at offset ${bad} is not UTF-8 (Shift_JIS?); save the file as UTF-8`,
        `オフセット ${bad} のバイト 0x${hex} は UTF-8 ではありません（Shift_JIS で保存されていませんか）。ファイルを UTF-8 で保存してください`,
      ),
    );
    return null;
  }
  const text = Buffer.from(bytes).toString('utf8');
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const pos = (offset: number): Location => {
    const { line, col } = lineCounter.linePos(offset);
    return at(file, line, col);
  };
  // yaml returns an empty list for a file of nothing but comments: an empty rule file.
  const list = Array.isArray(docs) ? docs : [];
  if (list.length === 0) return { file, data: null, locate: () => at(file) };
  let failed = false;
  for (const d of list) {
    // One tab in the indentation makes the parser report a cascade of follow-on errors (nested
    // mappings, implicit keys…) that all mean "this tab": say that once, at the tab, clearly.
    const tab = d.errors.find((e) => e.code === 'TAB_AS_INDENT');
    if (tab) {
      failed = true;
      const at = pos(tab.pos[0]);
      problems.push(
        problem(
          'YAML-SYNTAX',
          at,
          `a tab indents line ${at.line}; YAML indents with spaces only: replace the tab with spaces (the editor's "convert tabs to spaces")`,
          `${at.line} 行目がタブでインデントされています。YAML のインデントは空白のみです。タブを空白に置き換えてください（エディタの「タブを空白に変換」）`,
        ),
      );
      continue;
    }
    for (const e of d.errors) {
      failed = true;
      if (e.code === 'DUPLICATE_KEY') {
        const first = firstKeyBefore(d, e.pos[0]);
        const en = first ? `key "${first.key}" appears twice in this map; the first is at line ${pos(first.offset).line}` : 'a key appears twice in this map';
        const ja = first ? `キー「${first.key}」がこのマップに二度あります。最初のものは ${pos(first.offset).line} 行目です` : 'このマップに同じキーが二度あります';
        problems.push(problem('YAML-DUPLICATE-KEY', pos(e.pos[0]), en, ja));
      } else problems.push(problem('YAML-SYNTAX', pos(e.pos[0]), e.message.split('\n')[0]!, `YAML の構文エラーです: ${YAML_ERRORS_JA[e.code]}`));
    }
  }
  if (failed) return null;
  // A stray "---" at the end leaves an empty document behind: harmless, so not counted.
  const docsWithContent = list.filter((d, i) => i === 0 || !isEmptyDocument(d));
  if (docsWithContent.length > 1) {
    problems.push(
      problem(
        'YAML-MULTIPLE-DOCUMENTS',
        pos(docsWithContent[1]!.range[0]),
        'a rule file holds one YAML document; move this one into a file of its own',
        'ルールファイルに書ける YAML ドキュメントは一つです。このドキュメントは別のファイルに移してください',
      ),
    );
    return null;
  }
  const doc = list[0]!;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // yaml stops expanding once aliases pass maxAliasCount (so an alias bomb returns quickly),
    // and finds aliases that name no anchor only here: point at the alias in both cases.
    const message = (e as Error).message;
    const bomb = /Excessive alias count/.test(message);
    const name = /^Unresolved alias.*: (.*)$/.exec(message)?.[1];
    const alias = findAlias(doc, bomb ? null : (name ?? null));
    const where = alias?.range?.[0] ?? doc.range[0];
    problems.push(
      bomb
        ? problem(
            'YAML-ALIAS-LIMIT',
            pos(where),
            `aliases expand beyond ${MAX_ALIAS_COUNT} nodes (an alias bomb?); write the values out`,
            `エイリアスの展開が ${MAX_ALIAS_COUNT} ノードを超えます（エイリアス爆弾の可能性があります）。値をそのまま書いてください`,
          )
        : name !== undefined
          ? problem('YAML-SYNTAX', pos(where), `alias *${name} names no anchor defined before it`, `エイリアス *${name} が指すアンカーが、それより前に定義されていません`)
          : problem('YAML-SYNTAX', pos(where), `cannot resolve the document: ${message}`, 'ドキュメントを解決できません（エイリアスまたはタグを確認してください）'),
    );
    return null;
  }
  return {
    file,
    data: data ?? null,
    locate(path, part = 'value') {
      const node = nodeAt(doc, path, part);
      return node?.range ? pos(node.range[0]) : pos(doc.contents?.range?.[0] ?? 0);
    },
  };
}

/**
 * The bytes of every rule file under `paths`, read once: what a load parses and hashes. A
 * snapshot is plain data (it crosses to worker threads by structured clone), so a worker that
 * compiles it compiles exactly the bytes the version names, whatever the disk says by then.
 */
export interface RuleSnapshot {
  /** Every rule file found, in merge order. */
  names: string[];
  /** Per name: its bytes, or the problem that kept it from being read. */
  entries: ({ bytes: Uint8Array } | { problem: Problem })[];
  /** Problems of the paths themselves (missing, empty directory). */
  problems: Problem[];
  /** "sha256:…" over every readable file's name and bytes in merge order. */
  version: string;
}

export function snapshotRuleSources(paths: readonly string[]): RuleSnapshot {
  const problems: Problem[] = [];
  const hash = createHash('sha256');
  const names = expand(paths, problems);
  const entries: RuleSnapshot['entries'] = [];
  for (const file of names) {
    let bytes: Buffer;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      if (st.size > MAX_FILE_BYTES) {
        entries.push({ problem: problem('READ-FAILED', at(file), `${file} is larger than ${MAX_FILE_BYTES} bytes`, `${file} は ${MAX_FILE_BYTES} バイトを超えています`) });
        continue;
      }
      bytes = readFileSync(file);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      entries.push({ problem: problem('READ-FAILED', at(file), `cannot read ${file}: ${why}`, `${file} を読めません（${why}）`) });
      continue;
    }
    hash.update(basename(file)).update('\0').update(bytes).update('\0');
    entries.push({ bytes });
  }
  return { names, entries, problems, version: `sha256:${hash.digest('hex')}` };
}

/** Reads (or takes from a snapshot) every rule file under `paths`, in merge order. */
export function readRuleSources(paths: readonly string[], snapshot: RuleSnapshot = snapshotRuleSources(paths)): ReadResult {
  const problems: Problem[] = [...snapshot.problems];
  const files: SourceFile[] = [];
  snapshot.names.forEach((file, i) => {
    const e = snapshot.entries[i]!;
    if ('problem' in e) {
      problems.push(e.problem);
      return;
    }
    const parsed = parseRuleBytes(file, e.bytes, problems);
    if (parsed) files.push(parsed);
  });
  return { files, names: snapshot.names, problems, version: snapshot.version };
}
