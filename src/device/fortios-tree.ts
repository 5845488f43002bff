/**
 * FortiOS configuration text (`show full-configuration`, a backup, or a CLI script) as a tree of
 * `config … end` blocks and `edit … next` entries, every statement with its line and column.
 * The grammar is small and uniform: config opens a table (or a settings block), edit opens an
 * entry, next closes it, end closes the table (and, in `config vdom`, the entry still open).
 * `set`/`append`/`unset` change one key of the current entry or block, as the CLI would.
 */
import { type ApplianceReporter, loc, splitLines, type Token, tokenize } from './appliance-text.js';

export interface FSet {
  key: string;
  values: Token[];
  line: number;
  col: number;
  /** The statement as written, trimmed (reported with findings). */
  raw: string;
}

export interface FEdit {
  name: string;
  line: number;
  col: number;
  sets: Map<string, FSet>;
  configs: FConfig[];
}

export interface FConfig {
  path: string;
  line: number;
  col: number;
  /** Entries in table order (an entry edited again keeps its first place). */
  edits: FEdit[];
  sets: Map<string, FSet>;
  configs: FConfig[];
}

type Frame = { kind: 'config'; node: FConfig } | { kind: 'edit'; node: FEdit };

export function parseTree(text: string, file: string, report: ApplianceReporter): FConfig {
  const root: FConfig = { path: '', line: 1, col: 1, edits: [], sets: new Map(), configs: [] };
  const stack: Frame[] = [{ kind: 'config', node: root }];
  // Entries of each table by name: an entry edited again is found without a scan.
  const byName = new Map<FConfig, Map<string, FEdit>>();
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const toks = tokenize(raw);
    if (toks === null) {
      report.fatal('DEVICE-SYNTAX', loc(file, lineNo, raw.indexOf('"') + 1), 'unterminated quote');
      continue;
    }
    const cmd = toks[0]!;
    const top = stack[stack.length - 1]!;
    const at = loc(file, lineNo, cmd.col);
    switch (cmd.text) {
      case 'config': {
        const path = toks
          .slice(1)
          .map((t) => t.text)
          .join(' ');
        const node: FConfig = { path, line: lineNo, col: cmd.col, edits: [], sets: new Map(), configs: [] };
        top.node.configs.push(node);
        stack.push({ kind: 'config', node });
        break;
      }
      case 'edit': {
        if (top.kind !== 'config' || toks.length !== 2) {
          report.fatal('DEVICE-SYNTAX', at, top.kind !== 'config' ? '"edit" inside an entry (a "next" is missing)' : '"edit" takes one name');
          break;
        }
        const name = toks[1]!.text;
        let index = byName.get(top.node);
        if (!index) byName.set(top.node, (index = new Map()));
        let node = index.get(name);
        if (!node) {
          node = { name, line: lineNo, col: cmd.col, sets: new Map(), configs: [] };
          top.node.edits.push(node);
          index.set(name, node);
        }
        stack.push({ kind: 'edit', node });
        break;
      }
      case 'next':
        if (top.kind !== 'edit') report.fatal('DEVICE-SYNTAX', at, '"next" without an open "edit"');
        else stack.pop();
        break;
      case 'end':
        if (top.kind === 'edit') stack.pop();
        if (stack.length <= 1) report.fatal('DEVICE-SYNTAX', at, '"end" without an open "config"');
        else stack.pop();
        break;
      case 'set':
      case 'select':
      case 'append': {
        if (toks.length < 2) {
          report.fatal('DEVICE-SYNTAX', at, `"${cmd.text}" needs a key`);
          break;
        }
        const key = toks[1]!.text;
        const prev = top.node.sets.get(key);
        const values = cmd.text === 'append' && prev ? [...prev.values, ...toks.slice(2)] : toks.slice(2);
        top.node.sets.set(key, { key, values, line: lineNo, col: cmd.col, raw: trimmed });
        break;
      }
      case 'unset':
      case 'unselect':
        if (toks.length >= 2) top.node.sets.delete(toks[1]!.text);
        break;
      default:
        // move/rename/clone/delete reorder or remove entries: a script sanso cannot replay
        // faithfully is refused rather than read in the wrong order.
        report.fatal('DEVICE-SYNTAX', at, `"${cmd.text}" is not a statement of a FortiOS configuration (config, edit, set, append, unset, next, end)`);
    }
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1]!;
    report.fatal('DEVICE-SYNTAX', loc(file, open.node.line, open.node.col), `"${open.kind === 'config' ? `config ${open.node.path}` : `edit ${open.node.name}`}" is never closed`);
  }
  return root;
}

/** Every block with this path among `configs`, in file order. */
export function blocks(configs: readonly FConfig[], path: string): FConfig[] {
  return configs.filter((c) => c.path === path);
}

/** The entries of every block with this path, later blocks overriding earlier ones by name. */
export function entries(configs: readonly FConfig[], path: string): FEdit[] {
  const out = new Map<string, FEdit>();
  for (const c of blocks(configs, path)) for (const e of c.edits) out.set(e.name, e);
  return [...out.values()];
}

export function value(e: { sets: Map<string, FSet> }, key: string): string | null {
  const s = e.sets.get(key);
  return s ? s.values.map((v) => v.text).join(' ') : null;
}
