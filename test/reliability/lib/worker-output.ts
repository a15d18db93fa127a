import type { NodeProcess } from '../../../scripts/lib/node-process.js';

const PRINTED = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] (.*)$/;

/** The messages a worker printed (`[YYYY-MM-DD HH:mm:ss] <message>` on stdout), in order. */
export function printedMessages(worker: NodeProcess): string[] {
  return worker.stdout.flatMap((line) => {
    const match = PRINTED.exec(line);
    return match?.[1] === undefined ? [] : [match[1]];
  });
}

/**
 * The pino log entries of a worker with the given `msg`: JSON lines, info and
 * below on stdout, warn and above (`job stalled …`) on stderr.
 */
export function logEntries(worker: NodeProcess, msg: string): { time: number; jobId?: string }[] {
  return [...worker.stdout, ...worker.stderr].flatMap((line) => {
    if (!line.startsWith('{') || !line.includes(msg)) return [];
    const entry = JSON.parse(line) as { msg?: string; time: number; jobId?: string };
    return entry.msg === msg ? [entry] : [];
  });
}

/** The job ids of the worker's `job completed` log lines, in order. */
export function completedJobIds(worker: NodeProcess): string[] {
  return logEntries(worker, 'job completed').flatMap((entry) => (entry.jobId ? [entry.jobId] : []));
}

/** Every message the given workers printed, across all of them. */
export function allPrinted(workers: readonly NodeProcess[]): string[] {
  return workers.flatMap(printedMessages);
}
