/**
 * The one guard of every route that answers from the serving policy: until a policy is loaded
 * it answers 503 NOT-READY, and otherwise reads the policy once for the request, so that the
 * whole answer comes from one version even when a reload happens meanwhile. Routes take it as
 * their preHandler (after authentication and body validation, as the guard always ran) and read
 * `request.policy`.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { LoadedPolicy } from '../policy.js';
import { NO_POLICY } from './details.js';
import { sendProblem } from './problems.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The policy this request is answered from; set by the ready hook, null before it ran. */
    policy: LoadedPolicy | null;
  }
}

export type ReadyHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** The hook, for the policy `lifecycle` serves. Callback style: no promise per request. */
export function policyReady(lifecycle: { readonly current: LoadedPolicy | null }): ReadyHook {
  return (request, reply, done) => {
    const p = lifecycle.current;
    if (p === null) {
      sendProblem(reply, 'NOT-READY', NO_POLICY);
      return;
    }
    request.policy = p;
    done();
  };
}
