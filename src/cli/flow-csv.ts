/**
 * CSV flows in, one JSON line out per flow: the loop `decide --batch` and `audit --flows` share.
 * Lines are `src,dst,service`; blank lines, `#` comments and a first `src,dst,service` header are
 * skipped. A line that is not three fields or whose flow does not parse is answered in its place
 * with {"line": N, "error": …} and the rest go on (exit 1 at the end); answers are written in
 * chunks, since one write per flow would dominate a big file.
 */
import type { Lang } from '../i18n/messages.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FlowResult, resolveFlow } from '../lookup/flow.js';
import type { DecisionTable } from '../lookup/table.js';
import { flowError } from '../http/flow-error.js';
import { EXIT, type Io } from './io.js';

const CHUNK = 64 * 1024;

/** `answer` returns the JSON line for a flow that resolved (out holds its segments and decision). */
export async function answerCsvFlows(
  source: string,
  table: DecisionTable,
  io: Io,
  answer: (src: string, dst: string, service: string, out: FlowResult) => string,
  lang: Lang = 'en',
): Promise<number> {
  const stream: NodeJS.ReadableStream = source === '-' ? io.stdin : createReadStream(source);
  let openError: Error | null = null;
  stream.on('error', (e: Error) => {
    openError = e;
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const out = new FlowResult();
  let buffer = '';
  let lineNo = 0;
  let dataLines = 0;
  let bad = 0;
  const write = (text: string): void => {
    buffer += `${text}\n`;
    if (buffer.length >= CHUNK) {
      io.stdout(buffer);
      buffer = '';
    }
  };
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      if (dataLines++ === 0 && line.replace(/\s+/g, '').toLowerCase() === 'src,dst,service') continue;
      const fields = line.split(',');
      if (fields.length !== 3) {
        bad++;
        const error = lang === 'ja' ? `src,dst,service の 3 項目が必要ですが、${fields.length} 項目あります` : `expected src,dst,service (3 fields), got ${fields.length}`;
        write(JSON.stringify({ line: lineNo, error }));
        continue;
      }
      const [src, dst, service] = fields.map((f) => f.trim()) as [string, string, string];
      if (!resolveFlow(table, src, dst, service, out)) {
        bad++;
        const field = out.field!;
        write(JSON.stringify({ line: lineNo, error: flowError(field, field === 'src' ? src : field === 'dst' ? dst : service, out.reason!, lang) }));
        continue;
      }
      write(answer(src, dst, service, out));
    }
  } catch (e) {
    openError ??= e as Error;
  }
  if (buffer) io.stdout(buffer);
  if (openError) {
    io.stderr(`sanso: cannot read ${source}: ${(openError as NodeJS.ErrnoException).code ?? (openError as Error).message}\n`);
    return EXIT.BAD_INPUT;
  }
  return bad > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}
