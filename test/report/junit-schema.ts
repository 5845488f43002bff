/** Checks JUnit XML the way Jenkins would: against its junit-10.xsd (vendored, see test/vendor/README.md), and parses it. */
import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';

const XSD = readFileSync(new URL('../vendor/junit-10.xsd', import.meta.url), 'utf8');

/** One document, or many in one xmllint run (its WebAssembly start-up is the slow part). */
export async function validateJunit(xml: string | { fileName: string; contents: string }[]): Promise<{ valid: boolean; errors: string[] }> {
  const docs = typeof xml === 'string' ? [{ fileName: 'report.xml', contents: xml }] : xml;
  const r = await validateXML({ xml: docs, schema: { fileName: 'junit-10.xsd', contents: XSD } });
  return { valid: r.valid, errors: r.errors.map((e) => e.rawMessage) };
}

/** Well-formedness by a second, independent parser, then the document as plain objects. */
export function parseJunit(xml: string): Record<string, any> {
  const wf = XMLValidator.validate(xml);
  if (wf !== true) throw new Error(`not well-formed: ${JSON.stringify(wf.err)}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    processEntities: true,
    htmlEntities: true, // also decodes numeric references (&#10;), which XML has and fast-xml-parser files under HTML
    isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ['testsuite', 'testcase', 'property', 'failure', 'skipped'].includes(name),
  });
  return parser.parse(xml);
}
