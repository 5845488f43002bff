import t from 'tap';
import { readFileSync } from 'node:fs';
import { API_ERRORS } from '../../src/problems/codes.js';
import { SCOPES } from '../../src/http/auth.js';
import { server } from './helpers.js';

/** The HTTP API's page; its problem types are checked in docs/problem-codes.md (test/docs). */
const doc = readFileSync('docs/http-api.md', 'utf8');
const codes = readFileSync('docs/problem-codes.md', 'utf8');

t.test('docs/problem-codes.md documents every problem type with its status and title', async (t) => {
  for (const [code, e] of Object.entries(API_ERRORS)) {
    t.match(codes, new RegExp(`^\\| \`${code}\` \\| ${e.status} \\| ${e.title.replace(/[()]/g, '\\$&')} \\|`, 'm'), code);
  }
});

t.test('docs/http-api.md lists every route and every scope', async (t) => {
  const app = await server(t);
  const openapi = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body) as { paths: Record<string, Record<string, unknown>> };
  for (const [path, methods] of Object.entries(openapi.paths)) {
    for (const m of Object.keys(methods)) t.match(doc, `\`${m.toUpperCase()} ${path}\``, `${m} ${path}`);
  }
  for (const s of SCOPES) t.match(doc, `| \`${s}\` |`, s);
});
