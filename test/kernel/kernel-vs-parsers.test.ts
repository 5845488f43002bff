/**
 * The Linux kernel is the reference for the iptables and nft parsers: random rule sets are
 * loaded into a real firewall namespace, real packets are sent through it, and what arrives
 * must be exactly what sanso's reading of the firewall's own dump says is forwarded — for every
 * (source, destination, service) flow, both families. docs/audit-linux.md says how it works.
 *
 * The same dumps also go through `sanso audit --flows` (the audit engine's own evaluation), which
 * must agree with the kernel too.
 *
 * SANSO_KERNEL_RUNS (default 5) rule sets per dump format; SANSO_KERNEL_SEED picks another seed.
 * Skips, saying why, where namespaces cannot be made (not root, no ip/iptables/nft/perl).
 */
import fc from '../property/fc.js';
import t from 'tap';
import { allFlows, normalise, ruleSetArb } from '../reference/linux-ruleset.js';
import { auditFlowsVerdicts, compareWithKernel } from './compare.js';
import { kernelUnavailable, Lab } from './lab.js';

const runs = Number(process.env.SANSO_KERNEL_RUNS ?? 5);
const seed = Number(process.env.SANSO_KERNEL_SEED ?? 20261130);
const why = await kernelUnavailable();

t.test('the kernel forwards exactly what sanso reads in its dump', { skip: why ? `kernel tests skipped: ${why}` : false }, async (t) => {
  const lab = await Lab.create(`sanso-linuxfw-${process.pid}`);
  t.teardown(() => lab.destroy());
  for (const flavor of ['iptables', 'nft'] as const) {
    const sets = fc.sample(ruleSetArb(flavor).map(normalise), { seed: seed + (flavor === 'nft' ? 1 : 0), numRuns: runs });
    let flows = 0;
    let accepted = 0;
    for (const [i, rs] of sets.entries()) {
      const c = await compareWithKernel(lab, rs);
      flows += c.flows;
      accepted += c.accepted;
      const errors = c.parse.problems.filter((p) => p.severity === 'error');
      t.same(errors, [], `${flavor} #${i}: sanso reads the dump without problems`);
      if (c.disagreements.length > 0) {
        t.fail(`${flavor} #${i} (seed ${seed}): sanso and the kernel disagree on ${c.disagreements.length} of ${c.flows} flows`, {
          first: c.disagreements.slice(0, 5),
          dump: c.dump,
        });
      } else t.pass(`${flavor} #${i}: all ${c.flows} flows agree (${c.accepted} forwarded)`);
      // The generator's own semantics must match too, or the parser property tests prove little.
      t.equal(c.directWrong.length, 0, `${flavor} #${i}: the generated rule set means what the generator says`, { first: c.directWrong.slice(0, 3), loaded: c.loaded });
      // The audit engine (range compilation, interfaces file) on the same dump, flow by flow.
      const flowList = allFlows();
      const audit = await auditFlowsVerdicts(c.dump, flavor, flowList);
      if ('error' in audit) t.fail(`${flavor} #${i}: sanso audit --flows failed: ${audit.error}`);
      else {
        const wrong = flowList.map((f, k) => ({ flow: f, kernel: c.kernel[k], audit: audit.verdicts[k] })).filter((x) => x.kernel !== x.audit);
        t.equal(wrong.length, 0, `${flavor} #${i}: sanso audit --flows agrees with the kernel on every flow`, {
          first: wrong.slice(0, 5),
          dump: wrong.length > 0 ? c.dump : undefined,
        });
      }
    }
    // A run where the kernel forwards all or nothing would prove little.
    t.ok(accepted > 0 && accepted < flows, `${flavor}: ${accepted} of ${flows} flows forwarded, some of each`);
  }
});
