import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../scripts/lib/node-process.js';

/** Where each scenario leaves its result; the suite's teardown turns them into docs/RELIABILITY.md. */
export const RESULTS_DIR = path.join(PROJECT_ROOT, 'test-output', 'reliability');

export interface ScenarioResult {
  /** Orders the report: "14.1", "14.2", … "15.2". */
  id: string;
  title: string;
  /** The fault or load put on the system. */
  injected: string;
  /** Requests, clients, processes, jobs. */
  load: string;
  /** What the test asserted. */
  checked: string[];
  /** Measured figures, label → value with its unit ("1,234 req/s", "0 lost"). */
  figures: Record<string, string | number>;
  /** Why a part was skipped (e.g. no network namespaces), or what the figures mean. */
  notes?: string;
  /** Set when the whole scenario could not run here: the reason. */
  skipped?: string;
}

/**
 * Records a scenario's figures. Call it only after the scenario's assertions
 * passed, so the report never shows a result the suite did not check.
 */
export function recordScenario(result: ScenarioResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${result.id}.json`);
  writeFileSync(file, JSON.stringify({ ...result, measuredAt: new Date().toISOString() }, null, 2));
}
