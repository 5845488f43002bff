/**
 * PAN-OS configurations in both export forms — set commands (`set cli config-output-format set`,
 * `show`) and XML (`show config running`, a saved running-config.xml) — as one list of
 * statements: the words of a configuration path and, for member lists, the members, each word
 * with its line and column in the text. The XML is checked well-formed by fast-xml-parser (whose
 * error carries its line and column); positions come from a small walker over the same text,
 * because the parser's object tree does not keep them.
 */
import { XMLValidator } from 'fast-xml-parser';
import { type ApplianceReporter, loc, splitLines, tokenize } from './appliance-text.js';

export interface PWord {
  text: string;
  line: number;
  col: number;
}

export interface PStmt {
  words: PWord[];
  /** The members of a `[ … ]` list or of `<member>` elements; null when there is none. */
  list: PWord[] | null;
  line: number;
  col: number;
  raw: string;
}

/** Rule keys whose value is a path of several words: they take the rest of the line. */
const TRAILING_KEYS = new Set(['profile-setting', 'option', 'qos', 'target', 'hip-profiles']);

export function fromSet(text: string, file: string, report: ApplianceReporter): PStmt[] {
  const out: PStmt[] = [];
  splitLines(text).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const toks = tokenize(raw);
    if (toks === null) {
      report.fatal('DEVICE-SYNTAX', loc(file, i + 1, 1), 'unterminated quote');
      return;
    }
    if (toks[0]?.text !== 'set') {
      // delete/move/rename change a configuration in an order sanso cannot replay.
      report.fatal('DEVICE-SYNTAX', loc(file, i + 1, toks[0]?.col ?? 1), `"${toks[0]?.text}": a PAN-OS set-format export holds set commands only`);
      return;
    }
    const all = toks.slice(1).map((t) => ({ text: t.text, line: i + 1, col: t.col }));
    const col = toks[0]!.col;
    const r = all.findIndex((w, k) => w.text === 'rulebase' && all[k + 1]?.text === 'security' && all[k + 2]?.text === 'rules');
    if (r >= 0 && all.length > r + 5) {
      // `set rulebase security rules NAME k1 v1 k2 [ v v ] …`: one statement per key.
      const head = all.slice(0, r + 4);
      let k = r + 4;
      while (k < all.length) {
        const key = all[k]!;
        if (TRAILING_KEYS.has(key.text)) {
          out.push({ words: [...head, ...all.slice(k)], list: null, line: i + 1, col, raw: trimmed });
          break;
        }
        if (all[k + 1]?.text === '[') {
          const end = all.findIndex((w, j) => j > k && w.text === ']');
          const stop = end < 0 ? all.length : end;
          out.push({ words: [...head, key], list: all.slice(k + 2, stop), line: i + 1, col, raw: trimmed });
          k = stop + 1;
        } else {
          out.push({ words: [...head, key, ...(all[k + 1] ? [all[k + 1]!] : [])], list: null, line: i + 1, col, raw: trimmed });
          k += 2;
        }
      }
      return;
    }
    const words: PWord[] = [];
    let list: PWord[] | null = null;
    for (const w of all) {
      if (w.text === '[' && list === null) list = [];
      else if (w.text === ']' && list !== null) continue;
      else if (list !== null) list.push(w);
      else words.push(w);
    }
    out.push({ words, list, line: i + 1, col, raw: trimmed });
  });
  return out;
}

interface XNode {
  tag: string;
  name: string | null;
  line: number;
  col: number;
  text: string;
  children: XNode[];
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const decode = (s: string): string => s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ENTITIES[e]!);

/** The element tree with positions (the text is known to be well-formed). */
function walk(text: string): XNode | null {
  const root: XNode = { tag: '#root', name: null, line: 1, col: 1, text: '', children: [] };
  const stack: XNode[] = [root];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const advance = (to: number): void => {
    for (let k = i; k < to; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
    i = to;
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    const top = stack[stack.length - 1]!;
    top.text += text.slice(i, lt);
    advance(lt);
    if (text.startsWith('<!--', i)) {
      advance(text.indexOf('-->', i) + 3);
      continue;
    }
    if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      top.text += text.slice(i + 9, end);
      advance(end + 3);
      continue;
    }
    if (text.startsWith('<?', i) || text.startsWith('<!', i)) {
      advance(text.indexOf('>', i) + 1);
      continue;
    }
    const gt = text.indexOf('>', i);
    const tagText = text.slice(i + 1, gt);
    const col = i - lineStart + 1;
    const tagLine = line;
    advance(gt + 1);
    if (tagText.startsWith('/')) {
      stack.pop();
      continue;
    }
    const selfClosing = tagText.endsWith('/');
    const m = /^([^\s/>]+)/.exec(tagText);
    const nameAttr = /\sname\s*=\s*("([^"]*)"|'([^']*)')/.exec(tagText);
    const node: XNode = { tag: m![1]!, name: nameAttr ? decode(nameAttr[2] ?? nameAttr[3] ?? '') : null, line: tagLine, col, text: '', children: [] };
    top.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  return root;
}

export function fromXml(text: string, file: string, report: ApplianceReporter): PStmt[] {
  const v = XMLValidator.validate(text);
  if (v !== true) {
    report.fatal('DEVICE-SYNTAX', loc(file, v.err.line, v.err.col), `not well-formed XML: ${v.err.msg}`);
    return [];
  }
  const root = walk(text);
  const out: PStmt[] = [];
  const visit = (n: XNode, path: PWord[]): void => {
    for (const c of n.children) {
      const word: PWord = c.tag === 'entry' && c.name !== null ? { text: c.name, line: c.line, col: c.col } : { text: c.tag, line: c.line, col: c.col };
      const here = [...path, word];
      if (c.children.length > 0 && c.children.every((x) => x.tag === 'member')) {
        out.push({
          words: here,
          list: c.children.map((x) => ({ text: decode(x.text.trim()), line: x.line, col: x.col })),
          line: c.line,
          col: c.col,
          raw: `${here.map((w) => w.text).join(' ')} [ ${c.children.map((x) => decode(x.text.trim())).join(' ')} ]`,
        });
      } else if (c.children.length === 0) {
        const t = decode(c.text.trim());
        const words = t === '' ? here : [...here, { text: t, line: c.line, col: c.col }];
        out.push({ words, list: null, line: c.line, col: c.col, raw: words.map((w) => w.text).join(' ') });
      } else visit(c, here);
    }
  };
  if (root) visit(root, []);
  return out;
}

export function isXml(text: string): boolean {
  return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<config\b/.test(text);
}
