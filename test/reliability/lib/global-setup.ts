import { rmSync } from 'node:fs';
import { readResults, RESULTS_DIR } from './scenario-report.js';
import { resultsSummary } from './write-report.js';

/**
 * Starts each run with no stale results and ends it with one line on what was
 * recorded. It never writes docs/RELIABILITY.md: `npm run reliability:report` does.
 */
export default function setup(): () => void {
  // A filtered run (one scenario) keeps the others' last results.
  if (!process.env.RELIABILITY_KEEP_RESULTS) rmSync(RESULTS_DIR, { recursive: true, force: true });
  return () => console.log(resultsSummary(readResults()));
}
