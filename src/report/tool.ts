/**
 * sanso's own name and version, from package.json, for reports (SARIF tool.driver, JUnit
 * properties), from the package root (source/package-root.ts).
 */
import { findPackageRoot } from '../source/package-root.js';
import type { ToolInfo } from './meta.js';

let cached: ToolInfo | undefined;

export function toolInfo(): ToolInfo {
  if (cached) return cached;
  const pkg = findPackageRoot()?.pkg;
  if (pkg === undefined) return (cached = { name: 'sanso', version: '0.0.0' });
  return (cached = { name: 'sanso', version: pkg.version ?? '0.0.0', ...(pkg.homepage ? { informationUri: pkg.homepage } : {}) });
}
