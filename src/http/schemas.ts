/**
 * The API's JSON Schemas, read once from schemas/api/ (the same files Fastify validates and
 * serializes with and @fastify/swagger publishes at /docs), in the package root
 * (source/package-root.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from '../source/package-root.js';

export const SCHEMA_BASE = 'https://sanso.example/schemas/api/v1/';

export type SchemaName =
  | 'flow'
  | 'endpoint'
  | 'decision'
  | 'flow-error'
  | 'batch-request'
  | 'batch-response'
  | 'problem'
  | 'rule-problem'
  | 'policy-info'
  | 'reload-result'
  | 'segments'
  | 'health'
  | 'check-result'
  | 'matrix'
  | 'exceptions'
  | 'audit-request'
  | 'audit-result';

export type JsonSchema = Record<string, unknown>;

/** A reference to one of the API schemas by name. */
export function ref(name: SchemaName): { $ref: string } {
  return { $ref: `${SCHEMA_BASE}${name}.json` };
}

export function schemasDir(): string {
  const root = findPackageRoot();
  const dir = root === null ? null : join(root.dir, 'schemas', 'api');
  if (dir === null || !existsSync(join(dir, 'flow.json'))) throw new Error('schemas/api not found in the sanso package (copy schemas/ next to dist/)');
  return dir;
}

let cached: JsonSchema[] | undefined;

/** Every schema in schemas/api/, parsed; `batchLimit` sets maxItems of a JSON batch. */
export function loadApiSchemas(batchLimit?: number): JsonSchema[] {
  if (!cached) {
    const dir = schemasDir();
    cached = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as JsonSchema);
  }
  if (batchLimit === undefined) return cached;
  return cached.map((s) => {
    if (s.$id !== `${SCHEMA_BASE}batch-request.json`) return s;
    const props = s.properties as Record<string, JsonSchema>;
    return { ...s, properties: { ...props, flows: { ...props.flows, maxItems: batchLimit } } };
  });
}

/**
 * The short name of a schema $id, for OpenAPI component names: ".../api/v1/decision.json" →
 * "decision", ".../schemas/change-request/v1.json" → "change-request".
 */
export function schemaName(id: string): string {
  if (id.startsWith(SCHEMA_BASE)) return id.slice(SCHEMA_BASE.length).replace(/\.json$/, '');
  const m = /\/schemas\/([^/]+)\/v\d+\.json$/.exec(id);
  return m ? m[1]! : id;
}
