/**
 * GET /v1/exceptions: the policy's time-limited exceptions with the days each has left, for the
 * console's expiry list and for whoever renews them. Exceptions name segments and say why a
 * tier rule is lifted, so the route needs read-policy.
 */
import type { FastifyInstance } from 'fastify';
import { daysBetween, isActive } from '../../model/dates.js';
import { policyReady } from '../ready.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { problems } from './common.js';

export async function exceptionRoutes(app: FastifyInstance, ctx: SansoContext): Promise<void> {
  app.get(
    '/v1/exceptions',
    {
      config: { scope: 'read-policy' },
      preHandler: policyReady(ctx.lifecycle),
      schema: {
        tags: ['policy'],
        summary: 'The exceptions, soonest expiry first, with days left on the as-of date.',
        security: [{ bearer: [] }],
        response: { 200: { description: 'The exceptions.', ...ref('exceptions') }, ...problems(401, 403, 503) },
      },
    },
    async (request) => {
      const p = request.policy!;
      const exceptions = p.model.exceptions
        .map((e) => ({
          id: e.id,
          from: e.from.map((s) => s.text),
          to: e.to.map((s) => s.text),
          services: e.services.map((s) => s.text),
          reason: e.reason,
          approvedBy: e.approvedBy,
          expires: e.expires,
          ticket: e.ticket,
          daysLeft: daysBetween(p.asOf, e.expires),
          active: isActive(e.expires, p.asOf),
        }))
        .sort((a, b) => (a.expires < b.expires ? -1 : a.expires > b.expires ? 1 : a.id < b.id ? -1 : 1));
      return { policyVersion: p.version, asOf: p.asOf, exceptions };
    },
  );
}
