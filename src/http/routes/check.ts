/**
 * POST /v1/check: a firewall change request pre-checked against the serving policy (docs/check.md).
 * The checker validates the request itself (its schema, then every address, name and service
 * against the policy), so the API and `sanso check` report the same errors naming the same rule
 * index and field; Fastify only parses the JSON. The work runs in a policy worker (pool.ts,
 * jobs.ts checkJob), never on the event loop, bounded in rules, findings, answer bytes and time.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CHANGE_REQUEST_SCHEMA_ID } from '../../check/parse.js';
import { pickLang } from '../lang.js';
import { sendProblem } from '../problems.js';
import { canReadPolicy } from '../auth.js';
import { policyReady } from '../ready.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { POST_PROBLEMS, problems, sendJobOutcome } from './common.js';
import type { CheckInput } from '../jobs.js';

export async function checkRoutes(app: FastifyInstance, ctx: SansoContext): Promise<void> {
  const ready = policyReady(ctx.lifecycle);
  app.post(
    '/v1/check',
    {
      config: { scope: 'check' },
      preHandler: ready,
      // Documented by the schema, validated by parseChangeRequest in the worker (see above).
      validatorCompiler: () => () => true,
      schema: {
        tags: ['check'],
        summary: 'Pre-check a firewall change request.',
        description:
          'For each proposed rule, exactly over its address and port ranges: violation (a flow inside is denied by the tier model or a deny rule), ungranted (only NO-GRANT denials) or compliant, with one witness flow per (code, source segment, destination segment). ' +
          `The same object as \`sanso check --json\`. At most ${ctx.maxRules} rules and ${ctx.pool.limits.maxFindings} findings per request; without read-policy a witness address is shown only where the caller sent that one address (docs/service.md). ` +
          'Messages in Japanese with Accept-Language: ja.',
        security: [{ bearer: [] }],
        body: { $ref: CHANGE_REQUEST_SCHEMA_ID },
        response: { 200: { description: 'The verdict.', ...ref('check-result') }, ...problems(...POST_PROBLEMS, 422, 503) },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const body = request.body as { rules?: unknown } | null | undefined;
      // Counted here, before any work is queued: the schema's shape is checked in the worker.
      const n = body !== null && typeof body === 'object' && Array.isArray(body.rules) ? body.rules.length : 0;
      if (n > ctx.maxRules)
        return sendProblem(reply, 'TOO-MANY-RULES', {
          en: `the change request holds ${n} rules; at most ${ctx.maxRules} are checked per request: split it`,
          ja: `変更申請に ${n} 件のルールがあります。一度に検査できるのは ${ctx.maxRules} 件までです。分割してください`,
        });
      const input: CheckInput = { body: request.body, lang: pickLang(request.headers['accept-language']), readPolicy: canReadPolicy(ctx, request.caller) };
      const out = await ctx.pool.run('check', input);
      if (out.ok) {
        const log = ctx.decisionLog;
        if (log?.sampled()) {
          const id = log.decision(
            { route: '/v1/check', policyVersion: out.version, caller: request.caller?.name ?? null, client: request.ip, input: request.body, result: out.log },
            'check',
          );
          reply.header('sanso-decision-id', id);
        }
      }
      return sendJobOutcome(reply, out);
    },
  );
}
