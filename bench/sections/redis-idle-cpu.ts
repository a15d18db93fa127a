import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

const TICKS_PER_SECOND = 100; // Linux USER_HZ

async function pidOf(port: number): Promise<number> {
  const admin = new Redis(port);
  try {
    return Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1] ?? 0);
  } finally {
    admin.disconnect();
  }
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime + stime
}

/** Share of one core each idle Redis uses over `seconds` (the cost of a higher `hz`). */
export async function idleCpu(ports: Record<string, number>, seconds: number): Promise<Record<string, number>> {
  const pids = Object.fromEntries(await Promise.all(Object.entries(ports).map(async ([name, port]) => [name, await pidOf(port)] as const)));
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuTicks(pid)]));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, (cpuTicks(pid) - (before[name] ?? 0)) / TICKS_PER_SECOND / seconds]));
}
