/**
 * The interfaces file of `sanso audit --interfaces FILE` (schemas/interfaces.schema.json): which
 * segments lie behind each interface or zone. Read like a rule file (YAML with positions), checked
 * against the schema with ajv, then every selector resolved against the loaded rule set. Errors
 * carry FILE:LINE:COL; nothing throws on bad input.
 */
import schema from '../../schemas/interfaces.schema.json' with { type: 'json' };
import { didYouMean } from '../model/suggest.js';
import { TIERS, type Model } from '../model/types.js';
import type { Location } from '../source/location.js';
import type { SourceFile } from '../source/read.js';
import { compileSchema, describePath, pointerToPath } from '../validate/schema-words.js';
import type { InterfaceMap } from './partition.js';

export const INTERFACES_SCHEMA = schema;
const validate = compileSchema(schema);

export interface InterfacesError {
  loc: Location;
  /** Where in the document: [interface name, index] or [] for the whole. */
  path: (string | number)[];
  message: string;
}

/** The segments a selector stands for, or why it stands for none. */
export function selectorSegments(model: Model, text: string): number[] | string {
  if (text === 'outside') return [model.outside];
  if (text.startsWith('tier:')) {
    const t = text.slice(5);
    const tier = TIERS.find((x) => x === t);
    if (!tier) return `unknown tier "${t}"; tiers are ${TIERS.join(', ')}`;
    return model.segments.filter((s) => s.tier === tier).map((s) => s.index);
  }
  const seg = model.segments.find((s) => s.name === text && s.index !== model.outside);
  if (seg) return [seg.index];
  const group = model.groups.get(text);
  if (group) return group.segments;
  const candidates = [...model.segments.map((s) => s.name), ...model.groups.keys()];
  return `unknown segment or group "${text}"${didYouMean(text, candidates) || '; write a segment or group name, outside or tier:<tier>'}`;
}

/** Plain data (already read with positions) → the mapping, or the errors, each at its node. */
export function parseInterfaces(source: SourceFile, model: Model): { map: InterfaceMap | null; errors: InterfacesError[] } {
  const data = source.data;
  const errors: InterfacesError[] = [];
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      let path = pointerToPath(e.instancePath, data);
      let part: 'key' | 'value' = 'value';
      if (e.propertyName !== undefined) {
        path = [...path, e.propertyName];
        part = 'key';
      }
      const id = JSON.stringify(path);
      if (seen.has(id)) continue;
      seen.add(id);
      const what = part === 'key' ? `interface name "${String(path[path.length - 1])}"` : describePath(path);
      const message =
        e.keyword === 'pattern' && part === 'key'
          ? `${what} must start with a letter or digit and hold only letters, digits and . _ : / @ -`
          : e.keyword === 'pattern'
            ? `${what} must be a segment name, a group name, outside or tier:<tier>`
            : e.keyword === 'type' && path.length === 0
              ? 'an interfaces file must be a map from interface or zone name to a list of segments, groups, tier:<tier> or outside'
              : `${what} ${e.message ?? 'is not valid'}`;
      errors.push({ loc: source.locate(path, part), path, message });
    }
    return { map: null, errors };
  }
  const entries = Object.entries(data as Record<string, string[]>);
  const segmentIface = new Int32Array(model.segments.length).fill(-1);
  const where: (string | null)[] = new Array<string | null>(model.segments.length).fill(null);
  entries.forEach(([name, selectors], i) => {
    selectors.forEach((text, k) => {
      const segs = selectorSegments(model, text);
      if (typeof segs === 'string') {
        errors.push({ loc: source.locate([name, k]), path: [name, k], message: segs });
        return;
      }
      for (const s of segs) {
        const before = segmentIface[s]!;
        if (before >= 0 && before !== i) {
          errors.push({
            loc: source.locate([name, k]),
            path: [name, k],
            message: `segment ${model.segments[s]!.name} (through "${text}") is already behind interface ${where[s]}; a segment lies behind one interface only`,
          });
          return;
        }
        segmentIface[s] = i;
        where[s] = name;
      }
    });
  });
  if (errors.length > 0) return { map: null, errors };
  return { map: { names: entries.map(([n]) => n), segmentIface }, errors };
}
