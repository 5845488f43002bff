/**
 * POST /v1/check: a firewall change request pre-checked against the serving policy (docs/check.md).
 * The checker validates the request itself (its schema, then every address, name and service
 * against the policy), so the API and `sanso check` report the same errors naming the same rule
 * index and field; Fastify only parses the JSON. The answer is serialized by its schema.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkRequest } from '../../check/check.js';
import { CHANGE_REQUEST_SCHEMA_ID, formatRequestError, parseChangeRequest } from '../../check/parse.js';
import { pickLang } from '../lang.js';
import { sendProblem } from '../problems.js';
import { policyReady } from '../ready.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { POST_PROBLEMS, problems } from './common.js';

export async function checkRoutes(app: FastifyInstance, ctx: SansoContext): Promise<void> {
  const ready = policyReady(ctx.lifecycle);
  app.post(
    '/v1/check',
    {
      config: { scope: 'check' },
      preHandler: ready,
      // Documented by the schema, validated by parseChangeRequest (see above).
      validatorCompiler: () => () => true,
      schema: {
        tags: ['check'],
        summary: 'Pre-check a firewall change request.',
        description:
          'For each proposed rule, exactly over its address and port ranges: violation (a flow inside is denied by the tier model or a deny rule), ungranted (only NO-GRANT denials) or compliant, with one witness flow per (code, source segment, destination segment). The same object as `sanso check --json`. Messages in Japanese with Accept-Language: ja.',
        security: [{ bearer: [] }],
        body: { $ref: CHANGE_REQUEST_SCHEMA_ID },
        response: { 200: { description: 'The verdict.', ...ref('check-result') }, ...problems(...POST_PROBLEMS, 503) },
      },
    },
    (request: FastifyRequest, reply: FastifyReply) => {
      const p = request.policy!;
      const parsed = parseChangeRequest(request.body, p.table);
      if (parsed.errors) {
        const n = parsed.errors.length;
        return sendProblem(reply, 'BAD-CHANGE-REQUEST', `${n} error${n === 1 ? '' : 's'} in the change request; the first: ${formatRequestError(parsed.errors[0]!)}`, {
          errors: parsed.errors.map((e) => ({ index: e.index, field: e.field, message: e.message })),
        });
      }
      const result = checkRequest(p, parsed.request, { lang: pickLang(request.headers['accept-language']) });
      const log = ctx.decisionLog;
      if (log !== null && log.sampled()) {
        const id = log.decision(
          {
            route: '/v1/check',
            policyVersion: p.version,
            caller: request.caller?.name ?? null,
            input: request.body,
            result: { verdict: result.verdict, rules: result.rules.map((r) => ({ index: r.index, verdict: r.verdict, counts: r.counts })) },
          },
          'check',
        );
        reply.header('sanso-decision-id', id);
      }
      return reply.code(200).send(result);
    },
  );
}
