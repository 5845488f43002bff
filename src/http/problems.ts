/**
 * RFC 9457 problem details for every error the service answers. One function builds the body,
 * one maps whatever reached Fastify's error handler (its own FST_ERR_* errors, ajv validation
 * errors, JSON parse errors) to a catalogue code, so no stack trace or internal message reaches
 * a caller and bad input is never a 5xx.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { API_ERRORS, PROBLEM_TYPE_BASE, type ApiErrorCode } from '../problems/codes.js';

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

export function problemBody(code: ApiErrorCode, detail: string, instance: string, extensions?: Record<string, unknown>): ProblemBody {
  const e = API_ERRORS[code];
  const body: ProblemBody = { type: problemType(code), code, status: e.status, title: e.title, detail, instance };
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

export function sendProblem(reply: FastifyReply, code: ApiErrorCode, detail: string, extensions?: Record<string, unknown>): FastifyReply {
  const body = problemBody(code, detail, instanceOf(reply.request), extensions);
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** An error a route throws on purpose, carrying its catalogue code. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    detail: string,
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail);
  }
}

interface ValidationItem {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** "body/flows/3/src must be string": where, then what, in ajv's words. */
function validationDetail(err: FastifyError): string {
  const items = (err.validation ?? []) as ValidationItem[];
  const ctx = err.validationContext ?? 'body';
  const parts = items.slice(0, 5).map((v) => {
    const where = `${ctx}${v.instancePath ?? ''}`;
    let what = v.message ?? 'is invalid';
    if (v.keyword === 'additionalProperties' && typeof v.params?.additionalProperty === 'string') {
      what = `has an unknown key "${v.params.additionalProperty}"`;
    } else if (v.keyword === 'required' && typeof v.params?.missingProperty === 'string') {
      what = `lacks the required key "${v.params.missingProperty}"`;
    }
    return `${where} ${what}`;
  });
  return parts.length ? parts.join('; ') : 'the request does not follow the schema';
}

function isBatchLimit(err: FastifyError): boolean {
  const items = (err.validation ?? []) as ValidationItem[];
  return items.some((v) => v.keyword === 'maxItems' && v.instancePath === '/flows');
}

/** What a thrown error means to the caller. Unknown errors are INTERNAL, with no detail. */
export function classify(err: FastifyError | ApiError | Error): { code: ApiErrorCode; detail: string; extensions?: Record<string, unknown> } {
  if (err instanceof ApiError) return { code: err.code, detail: err.message, ...(err.extensions ? { extensions: err.extensions } : {}) };
  const fe = err as FastifyError;
  if (fe.validation) {
    if (isBatchLimit(fe)) return { code: 'BATCH-TOO-LARGE', detail: validationDetail(fe) };
    return { code: 'INVALID-REQUEST', detail: validationDetail(fe) };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'MALFORMED-JSON', detail: 'the body is not well-formed JSON' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'MALFORMED-JSON', detail: 'the body is empty; a JSON object is expected' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'BODY-TOO-LARGE', detail: 'the body exceeds the size limit of this route' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED-MEDIA-TYPE', detail: 'this route takes application/json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'BAD-HTTP', detail: 'Content-Length does not match the body' };
    case 'FST_ERR_HANDLER_TIMEOUT':
      return { code: 'REQUEST-TIMEOUT', detail: 'the request did not complete in time' };
    case 'FST_ERR_NOT_FOUND':
      return { code: 'NOT-FOUND', detail: 'no such route' };
    default:
      break;
  }
  // Fastify's own 4xx we have no specific code for (e.g. bad URL encoding): still the caller's.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.statusCode === 413) return { code: 'BODY-TOO-LARGE', detail: 'the body exceeds the size limit of this route' };
    if (fe.statusCode === 415) return { code: 'UNSUPPORTED-MEDIA-TYPE', detail: 'unsupported content type' };
    return { code: 'INVALID-REQUEST', detail: 'the request is not valid' };
  }
  return { code: 'INTERNAL', detail: 'an internal error occurred; it has been logged' };
}

/** A complete raw HTTP/1.1 response, for errors answered before Fastify has a request. */
export function rawProblemResponse(code: ApiErrorCode, detail: string): string {
  const body = JSON.stringify(problemBody(code, detail, '/'));
  const e = API_ERRORS[code];
  return (
    `HTTP/1.1 ${e.status} ${e.title}\r\n` + `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` + `Content-Length: ${Buffer.byteLength(body)}\r\n` + 'Connection: close\r\n\r\n' + body
  );
}
