/**
 * The ceiling for POST /v1/decide: a bare Fastify route that parses the JSON body as any route
 * would and answers a constant decision object of the same shape, with no policy behind it: the
 * yardstick issue 14 set. sanso answers a plainly valid decide before Fastify's request lifecycle
 * (src/http/front-door.ts), so the distance is sanso's work against Fastify's. Run as a child
 * process by bench/scenarios/http-single.ts; reports its port over IPC.
 */
import Fastify from 'fastify';
import { serveChild } from './serve-child.js';

const DECISION = {
  decision: 'allow',
  code: 'GRANTED',
  rule: 'F-00010',
  src: { address: '10.20.100.5', segment: 'lg-0123', tier: 'lgwan' },
  dst: { address: '10.20.1.10', segment: 'lg-0456', tier: 'lgwan' },
  path: 'direct',
  sanitizer: null,
  clause: null,
  message: 'Allowed: flow rule F-00010 grants lgwan traffic from lg-0123 to lg-0456.',
  policyVersion: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
};

const app = Fastify({ logger: false });
app.post('/v1/decide', async () => DECISION);
await serveChild(app);
