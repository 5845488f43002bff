/**
 * CSV flows in, one JSON line out per flow: the loop `decide --batch` and `audit --flows` share.
 * Lines are `src,dst,service`; blank lines, `#` comments and a first `src,dst,service` header are
 * skipped. Fields may be quoted as spreadsheets write them (RFC 4180: `"a,b"`, `""` for a quote),
 * and a byte order mark and CRLF line ends are accepted. A line that is not three fields, is
 * badly quoted, or whose flow does not parse is answered in its place with {"line": N, "error": …}
 * and the rest go on (exit 1 at the end); answers are written in chunks, since one write per
 * flow would dominate a big file.
 */
import type { Lang } from '../i18n/messages.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FlowResult, resolveFlow } from '../lookup/flow.js';
import type { DecisionTable } from '../lookup/table.js';
import { flowError } from '../http/flow-error.js';
import { EXIT, type Io } from './io.js';

const CHUNK = 64 * 1024;
const QUOTE = 34;
const COMMA = 44;

const isBlank = (c: number): boolean => c === 32 || c === 9;

/**
 * The fields of a line holding a double quote, as RFC 4180 reads them, or why it is badly quoted.
 * A quoted field may have blanks around its quotes (they are trimmed anyway) but cannot span
 * lines: no flow field holds a line break.
 */
export function splitQuoted(line: string, lang: Lang = 'en'): string[] | string {
  const ja = lang === 'ja';
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && isBlank(line.charCodeAt(j))) j++;
    if (j < n && line.charCodeAt(j) === QUOTE) {
      let value = '';
      let k = j + 1;
      for (;;) {
        const q = line.indexOf('"', k);
        if (q < 0) {
          return ja
            ? `${fields.length + 1} 項目目: ${j + 1} 桁目の引用符が閉じられていません（引用符で囲んだ項目は行をまたげません）`
            : `field ${fields.length + 1}: the quote at column ${j + 1} is never closed (a quoted field cannot span lines)`;
        }
        value += line.slice(k, q);
        if (line.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          k = q + 2;
          continue;
        }
        k = q + 1;
        break;
      }
      while (k < n && isBlank(line.charCodeAt(k))) k++;
      if (k < n && line.charCodeAt(k) !== COMMA) {
        return ja
          ? `${fields.length + 1} 項目目: ${k + 1} 桁目、閉じ引用符の後に文字があります（引用符で囲んだ項目の中の引用符は "" と書きます）`
          : `field ${fields.length + 1}: text after its closing quote at column ${k + 1} (a quote inside a quoted field is written "")`;
      }
      fields.push(value);
      if (k >= n) return fields;
      i = k + 1;
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? n : c;
      const q = line.indexOf('"', i);
      if (q >= 0 && q < end) {
        return ja
          ? `${fields.length + 1} 項目目: 引用符で囲まれていない項目の ${q + 1} 桁目に引用符があります（項目全体を "…" で囲み、引用符は "" と書きます）`
          : `field ${fields.length + 1}: a quote at column ${q + 1} inside an unquoted field (quote the whole field: "…", with "" for a quote)`;
      }
      fields.push(line.slice(i, end));
      if (c < 0) return fields;
      i = c + 1;
    }
  }
}

/** A header as people and spreadsheets write one: src,dst,service (or source,destination,service), any case. */
function isHeader(fields: readonly string[]): boolean {
  if (fields.length !== 3) return false;
  const [a, b, c] = fields.map((f) => f.trim().toLowerCase()) as [string, string, string];
  return (a === 'src' || a === 'source') && (b === 'dst' || b === 'destination') && c === 'service';
}

/** What a run read, for a summary: flow lines answered and bad lines answered with an error. */
export interface CsvTally {
  answered: number;
  bad: number;
  /** The input could not be read (to its end): a summary would mislead. */
  unreadable: boolean;
}

/** `answer` returns the JSON line for a flow that resolved (out holds its segments and decision). */
export async function answerCsvFlows(
  source: string,
  table: DecisionTable,
  io: Io,
  answer: (src: string, dst: string, service: string, out: FlowResult) => string,
  tally?: CsvTally,
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
  let answered = 0;
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
      // trim() also removes a byte order mark (U+FEFF) and the CR of a CRLF line end.
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      // The common line has no quote: split as before, with no detour through the quoted path.
      const split = line.indexOf('"') < 0 ? line.split(',') : splitQuoted(line, lang);
      const first = dataLines++ === 0;
      if (typeof split === 'string') {
        bad++;
        write(JSON.stringify({ line: lineNo, error: lang === 'ja' ? `引用符の誤り: ${split}` : `bad quoting: ${split}` }));
        continue;
      }
      if (first && isHeader(split)) continue;
      if (split.length !== 3) {
        bad++;
        const error = lang === 'ja' ? `src,dst,service の 3 項目が必要ですが、${split.length} 項目あります` : `expected src,dst,service (3 fields), got ${split.length}`;
        write(JSON.stringify({ line: lineNo, error }));
        continue;
      }
      const src = split[0]!.trim();
      const dst = split[1]!.trim();
      const service = split[2]!.trim();
      if (!resolveFlow(table, src, dst, service, out)) {
        bad++;
        const field = out.field!;
        write(JSON.stringify({ line: lineNo, error: flowError(field, field === 'src' ? src : field === 'dst' ? dst : service, out.reason!, lang) }));
        continue;
      }
      answered++;
      write(answer(src, dst, service, out));
    }
  } catch (e) {
    openError ??= e as Error;
  }
  if (buffer) io.stdout(buffer);
  if (tally) {
    tally.answered = answered;
    tally.bad = bad;
    tally.unreadable = openError !== null;
  }
  if (openError) {
    io.stderr(`sanso: cannot read ${source}: ${(openError as NodeJS.ErrnoException).code ?? (openError as Error).message}\n`);
    return EXIT.BAD_INPUT;
  }
  return bad > 0 ? EXIT.BAD_INPUT : EXIT.OK;
}
