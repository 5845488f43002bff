/**
 * The ready hook: before a policy is loaded every guarded route answers 503 NOT-READY (a state
 * the full server only passes through while starting); once loaded, the handler sees the policy
 * the hook read, even if the lifecycle moves on before the handler runs.
 */
import t from 'tap';
import Fastify from 'fastify';
import type { LoadedPolicy } from '../../src/policy.js';
import { policyReady } from '../../src/http/ready.js';

t.test('NOT-READY until a policy is loaded, then the policy read once per request', async (t) => {
  const lifecycle: { current: LoadedPolicy | null } = { current: null };
  const app = Fastify();
  app.decorateRequest('policy', null);
  const first = { version: 'sha256:first' } as LoadedPolicy;
  const second = { version: 'sha256:second' } as LoadedPolicy;
  app.get('/guarded', { preHandler: policyReady(lifecycle) }, async (request) => {
    lifecycle.current = second; // a reload between the hook and the handler
    return { version: request.policy!.version };
  });
  t.teardown(() => app.close());

  const before = await app.inject({ url: '/guarded' });
  t.equal(before.statusCode, 503);
  t.equal(before.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(before.json(), { code: 'NOT-READY', status: 503, detail: 'no policy is loaded yet' });

  lifecycle.current = first;
  const after = await app.inject({ url: '/guarded' });
  t.equal(after.statusCode, 200);
  t.same(after.json(), { version: 'sha256:first' }, 'the answer comes from the policy the hook read');
});
