/**
 * The schema compilers every sanso server in a process shares. Fastify gives each instance
 * fresh compilers, so each buildServer() compiled every route's validators and response
 * serializers again: ~0.25 s of CPU, most of it fast-json-stringify checking and indexing the
 * shared API schemas once per response schema. `sanso serve` builds one server and never
 * notices; a process that builds many (the HTTP tests build one per test, an embedding may
 * build one per rule set) paid it every time.
 *
 * A compiled validator or serializer is a pure function of its schema, the shared schemas and
 * the options, so one compiled for the same three is the same function: each pool is keyed by
 * the shared schemas and options (as @fastify/ajv-compiler already does for its Ajv instances),
 * and within a pool each function by its schema's JSON. The pools live as long as the process;
 * they hold one entry per distinct schema and option set, which a process has few of.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/** `build(externals, options)` once per distinct (externals, options); each of its compiles once per schema. */
function pooled<X, R extends { schema?: unknown }, F, O>(build: (externals: X, options: O) => (route: R) => F): (externals: X, options: O) => (route: R) => F {
  type Compile = (route: R) => F;
  const pools = new Map<string, Compile>();
  return (externals, options) => {
    const key = JSON.stringify([externals, options]);
    let compile = pools.get(key);
    if (!compile) {
      const inner = build(externals, options);
      const compiled = new Map<string, F>();
      compile = (route) => {
        const k = JSON.stringify(route.schema);
        let fn = compiled.get(k);
        if (fn === undefined) compiled.set(k, (fn = inner(route)));
        return fn;
      };
      pools.set(key, compile);
    }
    return compile;
  };
}

/** For Fastify's `schemaController.compilersFactory`. */
export const sharedCompilers: Required<Factories> = {
  buildValidator: pooled(AjvCompiler()),
  buildSerializer: pooled(SerializerSelector()),
};
