/**
 * RFC 9457 problem details for every error the service answers. One function builds the body,
 * one maps whatever reached Fastify's error handler (its own FST_ERR_* errors, ajv validation
 * errors, JSON parse errors) to a catalogue code, so no stack trace or internal message reaches
 * a caller and bad input is never a 5xx.
 *
 * Every detail is given in English and Japanese (a Text), so a problem cannot be answered without
 * Japanese: a caller that sends Accept-Language: ja gets the Japanese title and detail; `type`
 * and `code` are the same in both. Only errors answered before Fastify has a request (no headers
 * to read) are English alone.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { API_TITLES_JA } from '../i18n/api-titles.js';
import type { Lang, Text } from '../i18n/messages.js';
import { API_ERRORS, PROBLEM_TYPE_BASE, type ApiErrorCode } from '../problems/codes.js';
import { pickLang } from './lang.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export interface ProblemBody {
  type: string;
  code: ApiErrorCode;
  status: number;
  title: string;
  detail: string;
  instance: string;
  [extension: string]: unknown;
}

export function problemType(code: ApiErrorCode): string {
  return PROBLEM_TYPE_BASE + code.toLowerCase();
}

export function problemBody(code: ApiErrorCode, detail: string, instance: string, extensions?: Record<string, unknown>, lang: Lang = 'en'): ProblemBody {
  const e = API_ERRORS[code];
  const title = lang === 'ja' ? API_TITLES_JA[code] : e.title;
  const body: ProblemBody = { type: problemType(code), code, status: e.status, title, detail, instance };
  // Extensions never replace the standard members.
  if (extensions) for (const k of Object.keys(extensions)) if (!(k in body)) body[k] = extensions[k];
  return body;
}

/** The request's path without the query: what `instance` names (queries may carry tokens). */
export function instanceOf(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function sendProblem(reply: FastifyReply, code: ApiErrorCode, detail: Text, extensions?: Record<string, unknown>): FastifyReply {
  // Read only here, on the error path: answers that succeed never look at the header for this.
  const lang = pickLang(reply.request.headers['accept-language']);
  const body = problemBody(code, detail[lang], instanceOf(reply.request), extensions, lang);
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** An error a route throws on purpose, carrying its catalogue code. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    readonly detail: Text,
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail.en);
  }
}

interface ValidationItem {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** "body/flows/3/src must be string": where, then what, in ajv's words (in Japanese, by keyword). */
function validationDetail(err: FastifyError): Text {
  const items = (err.validation ?? []) as ValidationItem[];
  const ctx = err.validationContext ?? 'body';
  const en: string[] = [];
  const ja: string[] = [];
  for (const v of items.slice(0, 5)) {
    const where = `${ctx}${v.instancePath ?? ''}`;
    let what = v.message ?? 'is invalid';
    let whatJa = ` が正しくありません（${v.keyword ?? 'schema'}）`;
    if (v.keyword === 'additionalProperties' && typeof v.params?.additionalProperty === 'string') {
      what = `has an unknown key "${v.params.additionalProperty}"`;
      whatJa = ` に未知のキー「${v.params.additionalProperty}」があります`;
    } else if (v.keyword === 'required' && typeof v.params?.missingProperty === 'string') {
      what = `lacks the required key "${v.params.missingProperty}"`;
      whatJa = ` に必須のキー「${v.params.missingProperty}」がありません`;
    } else if (v.keyword === 'type') {
      whatJa = ` の型が正しくありません${v.params?.type === undefined ? '' : `（${String(v.params.type)} が必要です）`}`;
    }
    en.push(`${where} ${what}`);
    ja.push(`${where}${whatJa}`);
  }
  return en.length ? { en: en.join('; '), ja: ja.join('。') } : { en: 'the request does not follow the schema', ja: 'リクエストがスキーマに従っていません' };
}

function isBatchLimit(err: FastifyError): boolean {
  const items = (err.validation ?? []) as ValidationItem[];
  return items.some((v) => v.keyword === 'maxItems' && v.instancePath === '/flows');
}

/** The details classify() answers with, made once. */
const DETAILS = {
  malformed: { en: 'the body is not well-formed JSON', ja: '本文が正しい JSON ではありません' },
  empty: { en: 'the body is empty; a JSON object is expected', ja: '本文が空です。JSON のオブジェクトを送ってください' },
  tooLarge: { en: 'the body exceeds the size limit of this route', ja: '本文がこのルートのサイズ上限を超えています' },
  json: { en: 'this route takes application/json', ja: 'このルートは application/json を受け付けます' },
  length: { en: 'Content-Length does not match the body', ja: 'Content-Length が本文の長さと合いません' },
  timeout: { en: 'the request did not complete in time', ja: 'リクエストが時間内に完了しませんでした' },
  noRoute: { en: 'no such route', ja: 'そのようなルートはありません' },
  mediaType: { en: 'unsupported content type', ja: '対応していない Content-Type です' },
  invalid: { en: 'the request is not valid', ja: 'リクエストが正しくありません' },
  internal: { en: 'an internal error occurred; it has been logged', ja: '内部エラーが発生しました。ログに記録されています' },
} as const satisfies Record<string, Text>;

/** What a thrown error means to the caller. Unknown errors are INTERNAL, with no detail. */
export function classify(err: FastifyError | ApiError | Error): { code: ApiErrorCode; detail: Text; extensions?: Record<string, unknown> } {
  if (err instanceof ApiError) return { code: err.code, detail: err.detail, ...(err.extensions ? { extensions: err.extensions } : {}) };
  const fe = err as FastifyError;
  if (fe.validation) {
    if (isBatchLimit(fe)) return { code: 'BATCH-TOO-LARGE', detail: validationDetail(fe) };
    return { code: 'INVALID-REQUEST', detail: validationDetail(fe) };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'MALFORMED-JSON', detail: DETAILS.malformed };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'MALFORMED-JSON', detail: DETAILS.empty };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'BODY-TOO-LARGE', detail: DETAILS.tooLarge };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED-MEDIA-TYPE', detail: DETAILS.json };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'BAD-HTTP', detail: DETAILS.length };
    case 'FST_ERR_HANDLER_TIMEOUT':
      return { code: 'REQUEST-TIMEOUT', detail: DETAILS.timeout };
    case 'FST_ERR_NOT_FOUND':
      return { code: 'NOT-FOUND', detail: DETAILS.noRoute };
    default:
      break;
  }
  // Fastify's own 4xx we have no specific code for (e.g. bad URL encoding): still the caller's.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.statusCode === 413) return { code: 'BODY-TOO-LARGE', detail: DETAILS.tooLarge };
    if (fe.statusCode === 415) return { code: 'UNSUPPORTED-MEDIA-TYPE', detail: DETAILS.mediaType };
    return { code: 'INVALID-REQUEST', detail: DETAILS.invalid };
  }
  return { code: 'INTERNAL', detail: DETAILS.internal };
}

/** A complete raw HTTP/1.1 response, for errors answered before Fastify has a request. */
export function rawProblemResponse(code: ApiErrorCode, detail: string): string {
  const body = JSON.stringify(problemBody(code, detail, '/'));
  const e = API_ERRORS[code];
  return (
    `HTTP/1.1 ${e.status} ${e.title}\r\n` + `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` + `Content-Length: ${Buffer.byteLength(body)}\r\n` + 'Connection: close\r\n\r\n' + body
  );
}
