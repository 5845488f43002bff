/**
 * Where sanso's own files are (package.json, schemas/, rules/): the nearest directory above this
 * module whose package.json is sanso's. Walking up works alike from src/ under tap, from
 * dist/src/ after a build, and from node_modules/sanso/ when a city installs it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageJson {
  name?: string;
  version?: string;
  homepage?: string;
}

let found: { dir: string; pkg: PackageJson } | null | undefined;

/** The package root and its package.json, or null when sanso runs without one (a bare copy). */
export function findPackageRoot(): { dir: string; pkg: PackageJson } | null {
  if (found !== undefined) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
      if (pkg.name === 'sanso') return (found = { dir, pkg });
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) return (found = null);
    dir = up;
  }
}

/** The package root's path; throws when there is none (callers that need files from it). */
export function packageRoot(): string {
  const root = findPackageRoot();
  if (root === null) throw new Error(`no package.json of sanso above ${fileURLToPath(import.meta.url)}`);
  return root.dir;
}
