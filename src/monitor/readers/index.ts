/** The reader for a --log-format name. */
import { fortigateReader } from './fortigate.js';
import { iptablesReader } from './iptables.js';
import { jsonlReader } from './jsonl.js';
import { nfdumpCsvReader } from './nfdump-csv.js';
import type { LogFormat, LogReader, ReaderOptions } from './reader.js';
import { vpcflowReader } from './vpcflow.js';

export { LOG_FORMATS, type LogFormat, type LogReader } from './reader.js';

export function createReader(format: LogFormat, opts: ReaderOptions = {}): LogReader {
  switch (format) {
    case 'iptables':
      return iptablesReader(opts);
    case 'fortigate':
      return fortigateReader();
    case 'vpcflow':
      return vpcflowReader();
    case 'nfdump-csv':
      return nfdumpCsvReader();
    case 'jsonl':
      return jsonlReader();
  }
}
