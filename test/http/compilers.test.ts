/**
 * The schema compilers shared by every server in a process (src/http/compilers.ts): a schema is
 * compiled once for the same shared schemas and options, and never reused across different ones.
 */
import t from 'tap';
import { sharedCompilers } from '../../src/http/compilers.js';
import { server } from './helpers.js';

const route = (schema: object) => ({ schema, method: 'POST', url: '/x', httpStatus: '200' });
const person = (prop: string) => ({ person: { $id: 'person', type: 'object', properties: { [prop]: { type: 'string' } } } });

t.test('the same schema, shared schemas and options compile once', async (t) => {
  // Equal but distinct objects, as each buildServer() makes them.
  const a = sharedCompilers.buildSerializer(person('name'), {})(route({ $ref: 'person#' }));
  const b = sharedCompilers.buildSerializer(person('name'), {})(route({ $ref: 'person#' }));
  t.equal(a, b, 'one serializer');
  t.equal(a({ name: 'x', secret: 'y' }), '{"name":"x"}');
  const ajvOpts = { customOptions: {} };
  const v1 = sharedCompilers.buildValidator(person('name'), ajvOpts)({ ...route({ $ref: 'person#' }), httpPart: 'body' });
  const v2 = sharedCompilers.buildValidator(person('name'), ajvOpts)({ ...route({ $ref: 'person#' }), httpPart: 'body' });
  t.equal(v1, v2, 'one validator');
});

t.test('different shared schemas or options never share a compiled function', async (t) => {
  const byName = sharedCompilers.buildSerializer(person('name'), {})(route({ $ref: 'person#' }));
  const byCity = sharedCompilers.buildSerializer(person('city'), {})(route({ $ref: 'person#' }));
  t.equal(byName({ name: 'x', city: 'y' }), '{"name":"x"}');
  t.equal(byCity({ name: 'x', city: 'y' }), '{"city":"y"}');
  const strict = sharedCompilers.buildValidator(person('name'), { customOptions: { coerceTypes: false } })({ ...route({ type: 'integer' }), httpPart: 'body' });
  const coercing = sharedCompilers.buildValidator(person('name'), { customOptions: { coerceTypes: true } })({ ...route({ type: 'integer' }), httpPart: 'body' });
  t.notOk(strict('5'));
  t.ok(coercing('5'));
});

t.test('servers built one after another in a process each keep their own batch limit', async (t) => {
  const flow = { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' };
  const batch = (n: number) => ({ method: 'POST' as const, url: '/v1/decide/batch', payload: { flows: Array(n).fill(flow) } });
  const two = await server(t, { batchLimit: 2 });
  const three = await server(t, { batchLimit: 3 });
  const twoAgain = await server(t, { batchLimit: 2 });
  t.equal((await two.inject(batch(3))).statusCode, 413);
  t.equal((await three.inject(batch(3))).statusCode, 200);
  t.equal((await twoAgain.inject(batch(3))).statusCode, 413);
  t.equal((await twoAgain.inject(batch(2))).statusCode, 200);
});
