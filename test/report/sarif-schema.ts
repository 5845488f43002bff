/** The official SARIF 2.1.0 schema (draft-04), compiled once for every test that checks a document. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';

// Both are CommonJS with `exports.default`: under NodeNext the default import is the module object.
const Ajv04 = ajvDraft04.default;
const addFormats = ajvFormats.default;

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
// unicodeRegExp off: the schema's patterns are written for non-unicode regular expressions.
const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
export const validateSarif = ajv.compile(schema);
