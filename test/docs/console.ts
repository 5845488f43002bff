/**
 * Console examples in user documentation, kept honest: a ```console block holds `$ sanso …`
 * lines, each followed by the output it prints (stdout, then stderr). The commands run in-process
 * through the CLI's `main`, from the repository root, and their output is compared with the page.
 *
 * A command may end in `# with model: NAME`: it then runs on a copy of its rule directory whose
 * `policy.model` is NAME (the page shows "the same rule set under another model" without a
 * second copy of the files); paths of the copy are printed as the original's.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sanso } from '../cli/run.js';

export interface ConsoleCommand {
  /** The command as written after `$ `. */
  line: string;
  /** The output the page shows, lines joined with \n, without a final newline. */
  expected: string;
  /** Line number (1-based) of the command in the page. */
  at: number;
}

/** Every `$ sanso` command of every ```console block, with the output the page gives it. */
export function consoleCommands(markdown: string): ConsoleCommand[] {
  const lines = markdown.split('\n');
  const out: ConsoleCommand[] = [];
  let inBlock = false;
  let current: { line: string; at: number; output: string[] } | null = null;
  const flush = () => {
    if (current) out.push({ line: current.line, at: current.at, expected: current.output.join('\n') });
    current = null;
  };
  lines.forEach((text, i) => {
    if (!inBlock) {
      if (text.trim() === '```console') inBlock = true;
      return;
    }
    if (text.trim() === '```') {
      flush();
      inBlock = false;
      return;
    }
    if (text.startsWith('$ ')) {
      flush();
      current = { line: text.slice(2), at: i + 1, output: [] };
    } else if (current) current.output.push(text);
  });
  return out;
}

/** Runs one command as the page writes it; returns stdout then stderr, without a final newline. */
export async function runConsole(line: string): Promise<string> {
  const m = /^(.*?)\s+#\s*with model:\s*(\S+)\s*$/.exec(line);
  const command = m ? m[1]! : line;
  const args = command.trim().split(/\s+/);
  if (args.shift() !== 'sanso') throw new Error(`not a sanso command: ${line}`);
  if (!m) {
    const r = await sanso(args);
    return (r.out + r.err).replace(/\n$/, '');
  }
  // The rule directory is the last argument that names one; copy it and change the model.
  const dir = args[args.length - 1]!;
  const tmp = mkdtempSync(join(tmpdir(), 'sanso-docs-'));
  try {
    const copy = join(tmp, 'rules');
    cpSync(dir, copy, { recursive: true });
    const policy = join(copy, '00-policy.yaml');
    const text = readFileSync(policy, 'utf8');
    const changed = text.replace(/^(\s*model:\s*)\S+/m, `$1${m[2]}`);
    if (changed === text) throw new Error(`${dir}/00-policy.yaml has no policy.model line to change`);
    writeFileSync(policy, changed);
    args[args.length - 1] = copy;
    const r = await sanso(args);
    return (r.out + r.err).split(copy).join(dir.replace(/\/$/, '')).replace(/\n$/, '');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The page with every command's output replaced by what it prints now (for
 * SANSO_DOCS_UPDATE=1, after a deliberate change of messages or examples).
 */
export async function refreshed(markdown: string): Promise<string> {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let inBlock = false;
  let skipping = false;
  for (const text of lines) {
    if (!inBlock) {
      out.push(text);
      if (text.trim() === '```console') inBlock = true;
      continue;
    }
    if (text.trim() === '```') {
      inBlock = false;
      skipping = false;
      out.push(text);
      continue;
    }
    if (text.startsWith('$ ')) {
      out.push(text, ...(await runConsole(text.slice(2))).split('\n'));
      skipping = true;
      continue;
    }
    if (!skipping) out.push(text);
  }
  return out.join('\n');
}
