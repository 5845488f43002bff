/**
 * fast-check as every test uses it: imported from here, never from 'fast-check' itself (biome's
 * noRestrictedImports says so), so that settings.ts has fixed the seed before any property runs.
 * Only test processes that use fast-check load it.
 */
import fc from 'fast-check';
import './settings.js';

export default fc;
