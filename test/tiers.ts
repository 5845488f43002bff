/**
 * The slow tiers: tests that drive real outside parts (the kernel's firewalls in network
 * namespaces, a nats-server, Chromium, `npm pack` and an install). `npm test` and CI run them
 * all; `npm run test:quick` sets SANSO_TEST_QUICK=1 to skip them while iterating, so each says
 * it was skipped and why rather than passing silently. docs/contributing.md lists the variables.
 */
export function quickSkip(tier: string): string | null {
  return process.env.SANSO_TEST_QUICK === '1' ? `SANSO_TEST_QUICK=1 (npm test runs ${tier})` : null;
}
