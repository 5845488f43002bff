/**
 * The schema compilers every sanso server in a process shares. Fastify gives each instance
 * fresh compilers, so each buildServer() compiled every route's validators and response
 * serializers again: ~0.25 s of CPU, most of it fast-json-stringify checking and indexing the
 * shared API schemas once per response schema. `sanso serve` builds one server and never
 * notices; a process that builds many (the HTTP tests build one per test, an embedding may
 * build one per rule set) paid it every time.
 *
 * A compiled validator or serializer is a pure function of its schema, the shared schemas and
 * the options, so one compiled for the same three is the same function: compiled functions are
 * kept by the shared schemas and options (as @fastify/ajv-compiler already keeps its Ajv
 * instances) and, within those, by the schema's JSON. They live as long as the process: one per
 * distinct schema and option set, which a process has few of. Like that pool, the key is JSON:
 * code in the options (Ajv plugins, onCreate) does not tell two option sets apart. sanso passes
 * only plain customOptions; @fastify/ajv-compiler itself pools by customOptions alone.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/**
 * Fastify's own factory, called per server as Fastify would, but each compiled function reused
 * for the same (shared schemas, options, schema). Only results are shared: every server still
 * gets a fresh compile context, so what a compiler does to its own (fast-json-stringify's drops
 * a response schema's own $id from its copy of the shared schemas) stays with that server.
 */
function reusing<X, R extends { schema?: unknown }, F, O>(build: (externals: X, options: O) => (route: R) => F): (externals: X, options: O) => (route: R) => F {
  const compiledBy = new Map<string, Map<string, F>>();
  return (externals, options) => {
    const key = JSON.stringify([externals, options]);
    let compiled = compiledBy.get(key);
    if (!compiled) compiledBy.set(key, (compiled = new Map()));
    const inner = build(externals, options);
    return (route) => {
      const k = JSON.stringify(route.schema);
      let fn = compiled.get(k);
      if (fn === undefined) compiled.set(k, (fn = inner(route)));
      return fn;
    };
  };
}

/** For Fastify's `schemaController.compilersFactory`. */
export const sharedCompilers: Required<Factories> = {
  buildValidator: reusing(AjvCompiler()),
  buildSerializer: reusing(SerializerSelector()),
};
