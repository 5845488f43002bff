/**
 * The API's JSON Schemas, read once from schemas/api/ (the same files Fastify validates and
 * serializes with and @fastify/swagger publishes at /docs). Found by walking up from this
 * module, so it works from src/ under tap and from dist/src/ after a build alike.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  | 'audit-request'
  | 'audit-result';

export type JsonSchema = Record<string, unknown>;

/** A reference to one of the API schemas by name. */
export function ref(name: SchemaName): { $ref: string } {
  return { $ref: `${SCHEMA_BASE}${name}.json` };
}

export function schemasDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'schemas', 'api');
    if (existsSync(join(candidate, 'flow.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('schemas/api not found above the sanso module (copy schemas/ next to dist/)');
    dir = up;
  }
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
