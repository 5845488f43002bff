/**
 * Rule files as they were at a git commit (`sanso diff git:REF …`), read without touching the
 * user's checkout: the directory's blobs are listed with `git ls-tree` and written with
 * `git cat-file` into a temporary directory, which the caller validates like any rule path and
 * removes afterwards. File names (and so the policy version, which hashes names and bytes) are the
 * ones at that commit.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MAX_FILE_BYTES } from './read.js';

export interface GitRules {
  /** The rule path to read: the same relative path inside a temporary copy. */
  path: string;
  /** The temporary directory's prefix (with a trailing separator), to rewrite in messages. */
  prefix: string;
  /** How messages name the copy: `git:REF:rules`. */
  label: string;
  /** What replaces `prefix` in messages: `git:REF:`. */
  display: string;
  /** The commit REF named. */
  commit: string;
  remove(): void;
}

/** Why the rules cannot be read at REF: a message for the user (exit 1). */
export class GitRulesError extends Error {
  override name = 'GitRulesError';
}

function git(args: string[], cwd: string, what: string): Buffer {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 4 * MAX_FILE_BYTES });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new GitRulesError(`${what}: git is not installed (or not on PATH)`);
    const detail = err.stderr?.toString('utf8').trim().split('\n')[0];
    throw new GitRulesError(`${what}${detail ? `: ${detail}` : ''}`);
  }
}

/**
 * The rule path `rulesPath` (a directory or a file, resolved from `cwd` and taken relative to the
 * repository root that holds `cwd`) as it was at commit `ref`.
 */
export function readGitRules(ref: string, rulesPath: string, cwd: string): GitRules {
  if (ref === '' || ref.startsWith('-') || /[\s\0]/.test(ref)) throw new GitRulesError(`"git:${ref}" does not name a commit`);
  const root = git(['rev-parse', '--show-toplevel'], cwd, `git:${ref}: ${cwd} is not inside a git repository`).toString('utf8').trim();
  const rel = relative(root, resolve(cwd, rulesPath));
  if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) throw new GitRulesError(`git:${ref}: ${rulesPath} lies outside the repository ${root}`);
  const relPosix = rel.split(sep).join('/');
  const commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root, `git:${ref}: no such commit, branch or tag`)
    .toString('utf8')
    .trim();
  const label = `git:${ref}:${relPosix === '' ? '.' : relPosix}`;
  const listing = git(['ls-tree', '-r', '-z', '--full-name', commit, '--', relPosix === '' ? '.' : relPosix], root, `git:${ref}: cannot list ${relPosix}`).toString('utf8');
  const blobs: { object: string; path: string }[] = [];
  for (const line of listing.split('\0')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const [mode, type, object] = line.slice(0, tab).split(' ');
    // Regular files only: a symlink's blob is its target's name, not rules.
    if (type === 'blob' && (mode === '100644' || mode === '100755') && object) blobs.push({ object, path: line.slice(tab + 1) });
  }
  if (blobs.length === 0) throw new GitRulesError(`${label} does not exist at ${ref} (${commit.slice(0, 12)})`);
  const dir = mkdtempSync(join(tmpdir(), 'sanso-diff-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    for (const b of blobs) {
      const target = join(dir, ...b.path.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, git(['cat-file', 'blob', b.object], root, `git:${ref}: cannot read ${b.path}`));
    }
  } catch (e) {
    remove();
    throw e;
  }
  return { path: relPosix === '' ? dir : join(dir, ...relPosix.split('/')), prefix: `${dir}${sep}`, label, display: `git:${ref}:`, commit, remove };
}
