/**
 * The service as deployed, for the HTTP scenarios: bearer tokens on (the client sends one) and
 * the decision log on, written to a file. BENCH_SANSO=bare measures the service with neither,
 * for comparison; the published figures are the deployed ones.
 */
export const BENCH_TOKEN = 'bench-token-not-a-secret';
/** The header every benchmark request carries (the ceiling server ignores it). */
export const AUTH = { authorization: `Bearer ${BENCH_TOKEN}` } as const;
export const BARE = process.env.BENCH_SANSO === 'bare';
