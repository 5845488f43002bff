/**
 * POST /v1/audit: a device configuration in the body, audited against the serving policy
 * (docs/audit.md); the same object as `sanso audit --format json`. Work is bounded by the body
 * limit and a rule limit. The answer holds witness flows, segment names and the caller's own
 * device rule texts — never a segment's CIDRs.
 */
import { NO_POLICY } from '../details.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audit, prepareDevice, type PreparedDevice } from '../../audit/audit.js';
import { parseInterfaces } from '../../audit/interfaces.js';
import { AuditInputError, type InterfaceMap } from '../../audit/partition.js';
import { DeviceFormatError, parseDevice } from '../../device/parse.js';
import type { DeviceFormat } from '../../device/types.js';
import { pickLang } from '../lang.js';
import { sendProblem } from '../problems.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { POST_PROBLEMS, problems } from './common.js';

/** Rules per request: the audit's work grows with them; a real firewall has a few thousand. */
export const MAX_AUDIT_RULES = 20000;
const BODY_LIMIT = 8 * 1024 * 1024;
const DEVICE_NAME = 'device';

interface AuditBody {
  device: string;
  format?: DeviceFormat | 'auto';
  interfaces?: Record<string, string[]>;
  lenient?: boolean;
  maxFindings?: number;
}

export async function auditRoutes(app: FastifyInstance, ctx: SansoContext): Promise<void> {
  app.post(
    '/v1/audit',
    {
      config: { scope: 'audit' },
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['audit'],
        summary: 'Audit a firewall configuration against the policy.',
        description:
          'The new connections the device forwards, compared exactly over address and port ranges with the policy: violation, ungranted, outage and unreachable findings, each with a witness flow and the deciding device rule. The same object as `sanso audit --format json`. Device statements not understood are a 400 BAD-DEVICE unless `lenient`.',
        security: [{ bearer: [] }],
        body: ref('audit-request'),
        response: { 200: { description: 'The audit result.', ...ref('audit-result') }, ...problems(...POST_PROBLEMS, 503) },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const p = ctx.lifecycle.current;
      if (p === null) return sendProblem(reply, 'NOT-READY', NO_POLICY);
      const body = request.body as AuditBody;
      let ifaces: InterfaceMap | null = null;
      if (body.interfaces !== undefined) {
        const source = { file: 'interfaces', data: body.interfaces, locate: () => ({ file: 'interfaces', line: 1, col: 1 }) };
        const r = parseInterfaces(source, p.model);
        if (!r.map) {
          const errors = r.errors.map((e) => ({
            field: ['interfaces', ...e.path].map((x, i) => (typeof x === 'number' ? `[${x}]` : i === 0 ? x : `.${x}`)).join(''),
            message: e.message,
          }));
          return sendProblem(
            reply,
            'BAD-INTERFACES',
            // The interfaces and device parsers' own messages are English (docs/service.md).
            {
              en: `${errors.length} error${errors.length === 1 ? '' : 's'} in interfaces; the first: ${errors[0]!.field}: ${errors[0]!.message}`,
              ja: `interfaces にエラーが ${errors.length} 件あります。最初のもの: ${errors[0]!.field}: ${errors[0]!.message}`,
            },
            { errors },
          );
        }
        ifaces = r.map;
      }
      let parsed;
      try {
        parsed = await parseDevice(body.device, DEVICE_NAME, body.format ?? 'auto', { lenient: body.lenient ?? false });
      } catch (e) {
        if (e instanceof DeviceFormatError) return sendProblem(reply, 'BAD-DEVICE', { en: e.message, ja: `機器の設定を読めません: ${e.message}` });
        throw e;
      }
      const bad = parsed.problems.filter((x) => x.severity === 'error');
      if (bad.length > 0) {
        const errors = bad.map((x) => ({ code: x.code, line: x.loc.line, col: x.loc.col, message: x.message }));
        return sendProblem(
          reply,
          'BAD-DEVICE',
          {
            en: `${bad.length} statement${bad.length === 1 ? '' : 's'} cannot be audited; the first, at ${errors[0]!.line}:${errors[0]!.col}: ${errors[0]!.message}`,
            ja: `監査できない設定が ${bad.length} 件あります。最初のもの（${errors[0]!.line}:${errors[0]!.col}）: ${errors[0]!.message}`,
          },
          { errors },
        );
      }
      const rules = parsed.devices.reduce((n, d) => n + [...d.chains.values()].reduce((m, c) => m + c.rules.length, 0), 0);
      if (rules > MAX_AUDIT_RULES)
        return sendProblem(reply, 'BAD-DEVICE', {
          en: `the configuration has ${rules} rules; this service audits at most ${MAX_AUDIT_RULES} per request (use sanso audit)`,
          ja: `設定に ${rules} 件のルールがあります。このサービスで一度に監査できるのは ${MAX_AUDIT_RULES} 件までです（sanso audit を使ってください）`,
        });
      const prepared: PreparedDevice[] = [];
      for (const d of parsed.devices) {
        try {
          prepared.push(prepareDevice(d, p.table, ifaces));
        } catch (e) {
          if (!(e instanceof AuditInputError)) throw e;
          const errors = [{ code: e.code, line: e.loc?.line ?? 1, col: e.loc?.col ?? 1, message: e.message }];
          const at = e.loc ? `${e.loc.line}:${e.loc.col}: ` : '';
          return sendProblem(reply, 'BAD-DEVICE', { en: `${at}${e.message}`, ja: `${at}監査の入力が正しくありません: ${e.message}` }, { errors });
        }
      }
      const warnings = parsed.problems.filter((x) => x.severity === 'warning');
      const result = audit(prepared, p, warnings, {
        lang: pickLang(request.headers['accept-language']),
        ...(body.maxFindings === undefined ? {} : { maxFindings: body.maxFindings }),
      });
      return reply.code(200).send(result);
    },
  );
}
