/**
 * sanso's own name and version, from package.json, for reports (SARIF tool.driver, JUnit
 * properties). Found by walking up from this module, so it works from src/ under tap and from
 * dist/src/ after a build alike.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolInfo } from './meta.js';

let cached: ToolInfo | undefined;

export function toolInfo(): ToolInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; homepage?: string };
      if (pkg.name === 'sanso') {
        cached = { name: 'sanso', version: pkg.version ?? '0.0.0', ...(pkg.homepage ? { informationUri: pkg.homepage } : {}) };
        return cached;
      }
    } catch {
      // no package.json here: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) return (cached = { name: 'sanso', version: '0.0.0' });
    dir = up;
  }
}
