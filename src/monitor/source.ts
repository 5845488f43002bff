/** A file or standard input through a Monitor: chunks → lines → records. */
import { createReadStream } from 'node:fs';
import { LineSplitter } from './lines.js';
import type { Monitor } from './monitor.js';
import type { LogReader } from './readers/reader.js';

export async function monitorStream(m: Monitor, reader: LogReader, stream: NodeJS.ReadableStream, source: string): Promise<void> {
  const splitter = new LineSplitter((buf, from, to, lineNo, tooLong) => {
    m.line(reader, buf, from, to, source, lineNo, tooLong);
  });
  for await (const chunk of stream) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  splitter.end();
}

export function openFile(path: string): NodeJS.ReadableStream {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}
