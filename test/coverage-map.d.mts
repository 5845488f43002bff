/** tap's coverage map (coverage-map.mjs): the source files a test file covers, null for none. */
export default function coverageMap(testFile: string): string[] | null;
