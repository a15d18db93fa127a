import { rmSync } from 'node:fs';
import { RESULTS_DIR } from './scenario-report.js';
import { writeReliabilityReport } from './write-report.js';

/** Starts each run with no stale results, and writes the report once every scenario has run. */
export default function setup(): () => void {
  // A filtered run (one scenario) keeps the others' last results.
  if (!process.env.RELIABILITY_KEEP_RESULTS) rmSync(RESULTS_DIR, { recursive: true, force: true });
  return () => writeReliabilityReport();
}
