/**
 * `sanso check FILE` (docs/check.md): pre-check a firewall change request written in YAML or JSON
 * (`-` reads standard input). Exit 0 compliant, 3 ungranted or violation, 1 a bad request or a
 * rule set with errors, 2 usage. `--json` prints the object `POST /v1/check` answers with.
 */
import { readFileSync } from 'node:fs';
import { checkRequest } from '../check/check.js';
import { formatRequestError, parseChangeRequest } from '../check/parse.js';
import { formatCheckText } from '../check/text.js';
import type { RequestError } from '../check/types.js';
import type { Lang } from '../i18n/messages.js';
import type { Problem } from '../problems/problem.js';
import { formatText, escapeLine } from '../report/text.js';
import { toolInfo } from '../report/tool.js';
import { MAX_FILE_BYTES, parseRuleBytes, type SourceFile } from '../source/read.js';
import { mustExist, parse } from './args.js';
import { loadForCommand } from './decide.js';
import { EXIT, UsageError, type Io } from './io.js';

export const CHECK_USAGE = `usage: sanso check FILE [options]

Pre-checks a firewall change request (docs/check.md) against the rule set, exactly over its address
and port ranges. FILE is YAML or JSON ("-" reads standard input), e.g.

  id: CR-2026-0042
  rules:
    - src: [lg-terminals]          # CIDRs, addresses, segment or group names, outside, tier:<tier>
      dst: ["0.0.0.0/0"]
      services: [tcp/443]          # tcp/443, tcp/8000-8080, udp/53, icmp, proto/47, any, or a name
      action: allow                # allow | deny

Exit 0 compliant, 3 ungranted or violation, 1 a bad request or rule set, 2 usage.

options:
  --json              print the result object (the same as POST /v1/check)
  --lang en|ja        language of messages (default en)
  --rules PATH        rule file or directory (default rules/)
  --as-of YYYY-MM-DD  the date exceptions are judged on (default: today in policy.timezone)
`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
} as const;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > MAX_FILE_BYTES) throw new Error(`standard input is larger than ${MAX_FILE_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The request file's bytes, or a message saying why not. */
async function readRequest(file: string, io: Io): Promise<Buffer | string> {
  try {
    return file === '-' ? await readAll(io.stdin) : readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return `cannot read ${file === '-' ? 'standard input' : file}: ${err.code ?? err.message}`;
  }
}

function errorLine(source: SourceFile, e: RequestError, lang: Lang): string {
  const at = source.locate(e.path, e.part);
  return `${escapeLine(at.file)}:${at.line}:${at.col}: error ${escapeLine(formatRequestError(e, lang))}\n`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    io.stdout(CHECK_USAGE);
    return EXIT.OK;
  }
  if (positionals.length !== 1) throw new UsageError(`check takes one FILE (a change request, or - for standard input); got ${positionals.length}`);
  const file = positionals[0]!;
  mustExist(file, 'FILE');
  mustExist(values.rules, '--rules');
  const lang = values.lang as Lang;

  const bytes = await readRequest(file, io);
  if (typeof bytes === 'string') {
    io.stderr(`sanso: ${bytes}\n`);
    return EXIT.BAD_INPUT;
  }
  const name = file === '-' ? '<stdin>' : file;
  const problems: Problem[] = [];
  const source = parseRuleBytes(name, bytes, problems);
  if (!source) {
    io.stderr(formatText(problems, { files: [name], version: '', tool: toolInfo(), lang }));
    io.stderr(lang === 'ja' ? `sanso: ${name} は変更申請として読めません\n` : `sanso: ${name} is not a readable change request\n`);
    return EXIT.BAD_INPUT;
  }

  const policy = loadForCommand(values.rules, values['as-of'], io, lang);
  if (!policy) return EXIT.BAD_INPUT;

  const parsed = parseChangeRequest(source.data, policy.table);
  if (parsed.errors) {
    if (values.json) {
      const errors = parsed.errors.map((e) => {
        const at = source.locate(e.path, e.part);
        return { index: e.index, field: e.field, message: lang === 'ja' ? e.ja : e.message, line: at.line, col: at.col };
      });
      io.stdout(`${JSON.stringify({ errors })}\n`);
    }
    const n = parsed.errors.length;
    io.stderr(parsed.errors.map((e) => errorLine(source, e, lang)).join(''));
    io.stderr(
      lang === 'ja' ? `sanso: ${name} は正しい変更申請ではありません（エラー ${n} 件）\n` : `sanso: ${name} is not a valid change request (${n} error${n === 1 ? '' : 's'})\n`,
    );
    return EXIT.BAD_INPUT;
  }
  const result = checkRequest(policy, parsed.request, { lang });
  io.stdout(values.json ? `${JSON.stringify(result)}\n` : formatCheckText(result, parsed.request, lang));
  return result.verdict === 'compliant' ? EXIT.OK : EXIT.DENY;
}
