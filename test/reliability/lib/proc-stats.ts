import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of a live process in MiB, from /proc/PID/status (VmRSS). */
export function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/** Open file descriptors (sockets included) of a live process: the entries of /proc/PID/fd. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
