import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { API_ERRORS } from '../../src/problems/codes.js';
import { SCOPES } from '../../src/http/auth.js';
import { server } from './helpers.js';

// README, and the operator's guide where the service's own problem types are catalogued.
const doc = ['README.md', 'docs/service.md'].filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')).join('\n');

t.test('README or docs/service.md documents every problem code with its status and title', async (t) => {
  for (const [code, e] of Object.entries(API_ERRORS)) {
    t.match(doc, new RegExp(`^\\| \`${code}\` \\| ${e.status} \\| ${e.title.replace(/[()]/g, '\\$&')} \\|`, 'm'), code);
  }
});

t.test('README lists every route and every scope', async (t) => {
  const app = await server(t);
  const openapi = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body) as { paths: Record<string, Record<string, unknown>> };
  for (const [path, methods] of Object.entries(openapi.paths)) {
    for (const m of Object.keys(methods)) t.match(doc, `\`${m.toUpperCase()} ${path}\``, `${m} ${path}`);
  }
  for (const s of SCOPES) t.match(doc, `| \`${s}\` |`, s);
});
