import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../scripts/lib/node-process.js';

/**
 * Where each scenario leaves its result. The suite writes nothing else:
 * `npm run reliability:report` turns these files into docs/RELIABILITY.md.
 */
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

/** A result as stored: when, on which commit and which Node it was measured. */
export type RecordedResult = ScenarioResult & { measuredAt: string; commit?: string; node?: string };

/** The commit being measured, marked when the working tree differs from it. */
function currentCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

/**
 * Records a scenario's figures. Call it only after the scenario's assertions
 * passed, so the report never shows a result the suite did not check.
 */
export function recordScenario(result: ScenarioResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${result.id}.json`);
  const recorded: RecordedResult = {
    ...result,
    measuredAt: new Date().toISOString(),
    commit: currentCommit(),
    node: process.version,
  };
  writeFileSync(file, JSON.stringify(recorded, null, 2));
}

/** The results in RESULTS_DIR, ordered by scenario id; none when the suite has not run. */
export function readResults(): RecordedResult[] {
  if (!existsSync(RESULTS_DIR)) return [];
  return readdirSync(RESULTS_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(path.join(RESULTS_DIR, file), 'utf8')) as RecordedResult)
    .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}
