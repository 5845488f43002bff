/**
 * The policy routes. Rule sets are sensitive (a city's network plan is not public), so every
 * answer is built in two versions: counts, names and tiers for anyone with a valid token, and
 * CIDRs, file names and problem messages (which may quote CIDRs) only for read-policy.
 */
import type { FastifyInstance } from 'fastify';
import { isActive } from '../../model/dates.js';
import { problemMessage, type Problem } from '../../problems/problem.js';
import { pickLang, type Lang } from '../lang.js';
import type { ReloadRecord } from '../lifecycle.js';
import { sendProblem } from '../problems.js';
import { policyReady } from '../ready.js';
import { canReadPolicy } from '../auth.js';
import type { SansoContext } from '../server.js';
import { ref } from '../schemas.js';
import { problems } from './common.js';

/** A rule-set problem as the API shows it, its message in the caller's language (Accept-Language). */
function problemJson(p: Problem, lang: Lang) {
  return { code: p.code, severity: p.severity, message: problemMessage(p, lang), file: p.loc.file, line: p.loc.line, col: p.loc.col };
}

function reloadJson(r: ReloadRecord, full: boolean, lang: Lang) {
  let errors = 0;
  for (const p of r.problems) if (p.severity === 'error') errors++;
  return {
    trigger: r.trigger,
    result: r.result,
    at: r.at.toISOString(),
    version: r.version,
    errors,
    warnings: r.problems.length - errors,
    ...(full ? { problems: r.problems.map((x) => problemJson(x, lang)) } : {}),
  };
}

export async function policyRoutes(app: FastifyInstance, ctx: SansoContext): Promise<void> {
  const ready = policyReady(ctx.lifecycle);
  app.get(
    '/v1/policy',
    {
      config: { scope: 'any' },
      preHandler: ready,
      schema: {
        tags: ['policy'],
        summary: 'The serving policy: name, version, load time, counts, warnings, last reload.',
        description: 'Any valid token may read it; file names and problem messages need read-policy.',
        security: [{ bearer: [] }],
        response: { 200: { description: 'The policy.', ...ref('policy-info') }, ...problems(401, 503) },
      },
    },
    async (request) => {
      const p = request.policy!;
      const full = canReadPolicy(ctx, request.caller);
      const lang = pickLang(request.headers['accept-language']);
      const m = p.model;
      const last = ctx.lifecycle.lastReload;
      return {
        name: m.policy.name,
        model: m.policy.model,
        timezone: m.policy.timezone,
        version: p.version,
        loadedAt: p.loadedAt.toISOString(),
        asOf: p.asOf,
        counts: {
          segments: m.segments.length - 1,
          groups: m.groups.size,
          services: m.services.size,
          flows: m.flows.length,
          exceptions: m.exceptions.length,
          activeExceptions: m.exceptions.filter((e) => isActive(e.expires, p.asOf)).length,
        },
        ...(full ? { files: m.files } : {}),
        warnings: { count: p.warnings.length, ...(full ? { problems: p.warnings.map((x) => problemJson(x, lang)) } : {}) },
        lastReload: last ? reloadJson(last, full, lang) : null,
      };
    },
  );

  app.get(
    '/v1/segments',
    {
      config: { scope: 'any' },
      preHandler: ready,
      schema: {
        tags: ['policy'],
        summary: 'The declared segments: name and tier; with read-policy also role, CIDRs and sanitizer.',
        security: [{ bearer: [] }],
        response: { 200: { description: 'The segments.', ...ref('segments') }, ...problems(401, 503) },
      },
    },
    async (request) => {
      const p = request.policy!;
      const full = canReadPolicy(ctx, request.caller);
      const segments = p.model.segments
        .filter((s) => s.index !== p.model.outside)
        .map((s) =>
          full
            ? {
                name: s.name,
                tier: s.tier,
                role: s.role,
                mfa: s.mfa,
                external: s.external,
                description: s.description,
                cidrs: s.cidrs.map((c) => c.text),
                sanitizer: s.sanitizer
                  ? { method: s.sanitizer.method, peer: s.sanitizer.peer, direction: s.sanitizer.direction, services: s.sanitizer.services.map((x) => x.text) }
                  : null,
              }
            : { name: s.name, tier: s.tier },
        );
      return { policyVersion: p.version, segments };
    },
  );

  app.post(
    '/v1/policy/reload',
    {
      config: { scope: 'admin', body: 'none' },
      schema: {
        tags: ['policy'],
        summary: 'Reload the rule files now (Content-Type: application/json, no body). A failed reload keeps the previous policy serving (422).',
        security: [{ bearer: [] }],
        response: { 200: { description: 'Reloaded (or unchanged).', ...ref('reload-result') }, ...problems(401, 403, 415, 422) },
      },
    },
    async (request, reply) => {
      const before = ctx.lifecycle.current?.version ?? null;
      const r = await ctx.lifecycle.reload('api');
      ctx.security('reload', request, { token: request.caller?.name ?? null, result: r.result, version: r.version, previous: before });
      const full = canReadPolicy(ctx, request.caller);
      const body = { ...reloadJson(r, full, pickLang(request.headers['accept-language'])), previousVersion: before };
      if (r.result === 'failed') {
        const { errors, warnings: _warnings, ...extensions } = body;
        return sendProblem(
          reply,
          'RELOAD-FAILED',
          {
            en: `the rule files have ${errors} error(s); ${before ?? 'no policy'} keeps serving`,
            ja: `ルールファイルにエラーが ${errors} 件あります。${before === null ? 'ポリシーは読み込まれていないままです' : `${before} を引き続き使います`}`,
          },
          extensions,
        );
      }
      return body;
    },
  );
}
