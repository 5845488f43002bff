/**
 * The CLI's one dispatcher. Commands live one per file and return an exit code; the single
 * try/catch here maps what escapes to exit codes, so no stack trace reaches a user.
 */
import { toolInfo } from '../report/tool.js';
import { EXIT, UsageError, type Io } from './io.js';

type Command = (args: string[], io: Io) => Promise<number>;

// Loaded lazily so `sanso decide` does not pay for Fastify and the report formats.
const COMMANDS: Record<string, { summary: string; file: string }> = {
  validate: { summary: 'check rule files; report problems (text, json, sarif, github, junit)', file: 'validate' },
  decide: { summary: 'decide one flow (SRC DST SERVICE) or a batch (--batch FILE|-)', file: 'decide' },
  check: { summary: 'pre-check a firewall change request (YAML or JSON)', file: 'check' },
  diff: { summary: 'what changes between two rule sets (paths or git:REF), exactly', file: 'diff' },
  audit: { summary: 'audit firewall configurations (iptables, nft, FortiOS, ASA, RTX, PAN-OS) against the policy', file: 'audit' },
  report: { summary: 'the self-inspection report (HTML or PDF): tiers, matrix, checklist', file: 'report' },
  exceptions: { summary: 'list the exceptions: approved by whom, until when, days left (--json)', file: 'exceptions' },
  compile: { summary: 'compile the rules and print the decision table statistics', file: 'compile' },
  monitor: { summary: 'decide observed flows from logs or NATS; report what the policy denies', file: 'monitor' },
  serve: { summary: 'serve the HTTP API (default 127.0.0.1:8080)', file: 'serve' },
};

export const USAGE = `usage: sanso <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(9)} ${c.summary}`)
  .join('\n')}

  sanso --version     print the version (from the installed package.json)

options every command takes:
  --rules PATH        rule file or directory (default rules/)
  --as-of YYYY-MM-DD  the date exceptions are judged on (default: today in policy.timezone)
  --lang en|ja        language of messages
`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  // A usage error shows the usage of the command that was called, not every command's.
  let usage = USAGE;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      (name === undefined ? io.stderr : io.stdout)(USAGE);
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    if (name === '--version' || name === '-v' || name === 'version') {
      io.stdout(`sanso ${toolInfo().version}\n`);
      return EXIT.OK;
    }
    const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!cmd) throw new UsageError(`unknown command "${name}"`);
    const mod = (await import(`./${cmd.file}.js`)) as { run: Command } & Record<string, unknown>;
    const own = Object.entries(mod).find(([k, v]) => k.endsWith('_USAGE') && typeof v === 'string');
    if (own) usage = `${own[1] as string}\n(sanso --help lists every command)\n`;
    return await mod.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`sanso: ${e.message}\n${usage}`);
      return EXIT.USAGE;
    }
    io.stderr(`sanso: ${(e as Error)?.message ?? String(e)}\n`);
    if (io.env.SANSO_DEBUG) io.stderr(`${(e as Error)?.stack ?? ''}\n`);
    return EXIT.BAD_INPUT;
  }
}
