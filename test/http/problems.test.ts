import t from 'tap';
import { ApiError, classify, problemBody, rawProblemResponse } from '../../src/http/problems.js';
import { API_ERRORS } from '../../src/problems/codes.js';

const fastifyError = (code: string, statusCode?: number) => Object.assign(new Error(`internal text for ${code}`), { code, ...(statusCode ? { statusCode } : {}) });

t.test('Fastify and ajv errors map to catalogue codes', async (t) => {
  const cases: [Error, string][] = [
    [fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400), 'MALFORMED-JSON'],
    [fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400), 'MALFORMED-JSON'],
    [fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413), 'BODY-TOO-LARGE'],
    [fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), 'UNSUPPORTED-MEDIA-TYPE'],
    [fastifyError('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400), 'BAD-HTTP'],
    [fastifyError('FST_ERR_HANDLER_TIMEOUT', 503), 'REQUEST-TIMEOUT'],
    [fastifyError('FST_ERR_NOT_FOUND', 404), 'NOT-FOUND'],
    [fastifyError('FST_ERR_SOMETHING_NEW', 413), 'BODY-TOO-LARGE'],
    [fastifyError('FST_ERR_SOMETHING_NEW', 415), 'UNSUPPORTED-MEDIA-TYPE'],
    [fastifyError('FST_ERR_BAD_URL', 400), 'INVALID-REQUEST'],
    [
      Object.assign(new Error('x'), { validation: [{ instancePath: '/flows', keyword: 'maxItems', message: 'must NOT have more than 3 items' }], validationContext: 'body' }),
      'BATCH-TOO-LARGE',
    ],
    [Object.assign(new Error('x'), { validation: [{ instancePath: '/src', keyword: 'type', message: 'must be string' }], validationContext: 'body' }), 'INVALID-REQUEST'],
    [new ApiError('BAD-ADDRESS', { en: 'src "x": not an address', ja: '送信元（src）"x": アドレスではありません' }), 'BAD-ADDRESS'],
  ];
  for (const [err, code] of cases) t.equal(classify(err).code, code, (err as { code?: string }).code ?? err.message);
  t.match(classify(cases[11]![0]).detail.en, 'body/src must be string');
  t.match(classify(cases[11]![0]).detail.ja, 'body/src の型が正しくありません');
});

t.test('anything else is INTERNAL, and says nothing of itself', async (t) => {
  for (const err of [new TypeError("Cannot read properties of undefined (reading 'table')"), fastifyError('FST_ERR_SOMETHING', 500), fastifyError('ERR_X')]) {
    const c = classify(err);
    t.equal(c.code, 'INTERNAL');
    t.notMatch(c.detail.en, /Cannot read|internal text|table/);
    t.notMatch(c.detail.ja, /Cannot read|internal text|table/);
  }
});

t.test('problem documents: standard members first, never replaced by extensions', async (t) => {
  const b = problemBody('RELOAD-FAILED', 'two errors', '/v1/policy/reload', { status: 200, code: 'X', problems: [1] });
  t.same(b, {
    type: 'https://sanso.example/problems/reload-failed',
    code: 'RELOAD-FAILED',
    status: API_ERRORS['RELOAD-FAILED'].status,
    title: API_ERRORS['RELOAD-FAILED'].title,
    detail: 'two errors',
    instance: '/v1/policy/reload',
    problems: [1],
  });
});

t.test('a raw HTTP problem response (answered before routing)', async (t) => {
  const raw = rawProblemResponse('HEADERS-TOO-LARGE', 'too big');
  const [head, body] = raw.split('\r\n\r\n');
  t.match(head, /^HTTP\/1\.1 431 Headers too large\r\n/);
  t.match(head, /\r\nContent-Length: (\d+)/);
  t.equal(Number(/Content-Length: (\d+)/.exec(head!)![1]), Buffer.byteLength(body!));
  t.match(JSON.parse(body!), { code: 'HEADERS-TOO-LARGE', status: 431, detail: 'too big' });
});
