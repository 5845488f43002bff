/**
 * One V8 setting for a serving process: no allocation-site pretenuring.
 *
 * V8 watches the objects each allocation site (an object or array literal) makes; when nearly
 * all of them survive a young-generation collection it starts allocating that site's objects
 * directly in the old generation. In a process that has loaded sanso's modules and compiled a
 * rule set, it made that decision for a site whose objects, under load, are made once per
 * request (--trace-pretenuring-statistics: one site, every object surviving). An old object is a
 * root for young collections until a full collection finds it dead, so each of those, pointing
 * at its request's young objects, kept them alive: the request's garbage survived (about 3 MB
 * per scavenge at 30,000 requests/s, against 26 KB in bare Fastify; --trace-gc-nvp), was copied
 * and promoted, and scavenges grew several times longer. Bare Fastify with sanso's
 * modules merely imported, answering a constant, fell from 20 to 32 µs of CPU per request; with
 * pretenuring off it was back at 20, and a logged POST /v1/decide went from ~44 to ~30 µs
 * (alternating runs by hand, 2026-12-01; the bench's figures are in docs/performance.md).
 * Compiling a rule set costs about 1 % more without it (by hand too).
 *
 * The flag is process-wide (policy workers included). buildServer sets it first, before the rule
 * set is compiled, which is where its effect was measured; it changes a heuristic only, the kind
 * of V8 setting that v8.setFlagsFromString is documented for.
 */
import { setFlagsFromString } from 'node:v8';

/** Idempotent: each server a process builds sets the same flag again, at no cost. */
export function tuneHeapForServing(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
