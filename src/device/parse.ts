/**
 * The device format registry: which parser reads which export, and `--device-format auto`.
 *
 * Parsers are loaded by name, lazily (an audit of an iptables dump never loads the PAN-OS XML
 * reader). Every parser has the same shape: `(text, file, { lenient }) => ParseResult`, plus
 * `detect(text)` telling whether the text looks like its format. Auto-detection asks them in the
 * order below and takes the first that says yes; when none does, the user must say which.
 */
import type { DeviceFormat, ParseResult } from './types.js';

interface ParserModule {
  detect(text: string): boolean;
  [parse: string]: unknown;
}

interface Entry {
  /** The module under src/device/, as an import specifier. */
  module: string;
  /** The name of its parse function. */
  parse: string;
  /** What the device prints it with, for messages. */
  export: string;
}

/**
 * Formats in detection order: the most distinctive first (nft's JSON and iptables-save's
 * `*filter` headers cannot be mistaken for the vendors' CLI text).
 */
export const FORMATS: Record<DeviceFormat, Entry> = {
  nft: { module: './nft.js', parse: 'parseNftJson', export: 'nft -j list ruleset' },
  iptables: { module: './iptables.js', parse: 'parseIptablesSave', export: 'iptables-save / ip6tables-save' },
  panos: { module: './panos.js', parse: 'parsePanos', export: 'PAN-OS set format or XML' },
  fortios: { module: './fortios.js', parse: 'parseFortios', export: 'FortiOS show full-configuration' },
  asa: { module: './asa.js', parse: 'parseAsa', export: 'Cisco ASA show running-config' },
  rtx: { module: './rtx.js', parse: 'parseRtx', export: 'Yamaha RTX show config' },
};

export const FORMAT_NAMES: readonly DeviceFormat[] = ['iptables', 'nft', 'fortios', 'asa', 'rtx', 'panos'];

async function load(format: DeviceFormat): Promise<{ entry: Entry; mod: ParserModule } | null> {
  const entry = FORMATS[format];
  if (!entry) return null;
  const mod = (await import(entry.module)) as ParserModule;
  return { entry, mod };
}

export class DeviceFormatError extends Error {
  override name = 'DeviceFormatError';
}

/** The format of a device text: the given one, or the first registered parser that detects it. */
export async function detectFormat(text: string, file: string): Promise<DeviceFormat> {
  for (const format of Object.keys(FORMATS) as DeviceFormat[]) {
    const p = await load(format);
    if (p?.mod.detect(text)) return format;
  }
  const known = Object.values(FORMATS).map((e) => e.export);
  throw new DeviceFormatError(`${file}: cannot tell which device wrote this; sanso reads ${known.join(', ')}. Pass --device-format`);
}

/** Parses a device text in a format (or `auto`). Throws DeviceFormatError for an unknown format. */
export async function parseDevice(text: string, file: string, format: DeviceFormat | 'auto', opts: { lenient: boolean }): Promise<ParseResult & { format: DeviceFormat }> {
  const f = format === 'auto' ? await detectFormat(text, file) : format;
  const p = await load(f);
  if (!p) throw new DeviceFormatError(`device format ${f} is not available in this build of sanso`);
  const fn = p.mod[p.entry.parse] as (text: string, file: string, opts: { lenient: boolean }) => ParseResult;
  return { ...fn(text, file, opts), format: f };
}
