import type { NodeProcess } from '../../../scripts/lib/node-process.js';

const PRINTED = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] (.*)$/;

/** The messages a worker printed (`[YYYY-MM-DD HH:mm:ss] <message>` on stdout), in order. */
export function printedMessages(worker: NodeProcess): string[] {
  return worker.stdout.flatMap((line) => {
    const match = PRINTED.exec(line);
    return match?.[1] === undefined ? [] : [match[1]];
  });
}

/** The job ids of the worker's `job completed` log lines (pino JSON on stdout). */
export function completedJobIds(worker: NodeProcess): string[] {
  return worker.stdout.flatMap((line) => {
    if (!line.includes('"job completed"')) return [];
    const entry = JSON.parse(line) as { msg?: string; jobId?: string };
    return entry.msg === 'job completed' && entry.jobId ? [entry.jobId] : [];
  });
}

/** Every message the given workers printed, across all of them. */
export function allPrinted(workers: readonly NodeProcess[]): string[] {
  return workers.flatMap(printedMessages);
}
