/**
 * Issue 14, item 8: an open (token-less) service and DNS rebinding. A page on evil.example that
 * rebinds its name to 127.0.0.1 reaches us with Host: evil.example:PORT; it is refused before
 * any route answers. With tokens, Host is not checked (the token is the defence).
 */
import t from 'tap';
import { server, testTokens } from './helpers.js';
import { drain, listen, rawSocket } from './attack.js';

async function get(base: string, host: string, path = '/v1/segments'): Promise<string> {
  const s = await rawSocket(base);
  s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  return drain(s, 5000);
}

t.test('open mode: Host must name us by IP address or localhost, on our port', async (t) => {
  const app = await server(t, { allowedHosts: ['sanso.internal'] });
  const base = await listen(app);
  const port = new URL(base).port;
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, `localhost.evil.example:${port}`, '']) {
    const r = await get(base, host);
    t.match(r, /^HTTP\/1\.1 421 /, `Host: ${host}`);
    t.match(r, /HOST-NOT-ALLOWED/);
    t.notMatch(r, /"segments"/, 'nothing of the policy');
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `sanso.internal:${port}`]) {
    t.match(await get(base, host), /^HTTP\/1\.1 200 /, `Host: ${host}`);
  }
  const m = await get(base, `127.0.0.1:${port}`, '/metrics');
  t.match(m, /sanso_security_events_total\{event="host-refused"\} 5/);
});

t.test('with tokens, Host is not checked', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  const base = await listen(app);
  t.match(await get(base, 'anything.example', '/healthz'), /^HTTP\/1\.1 200 /);
});
