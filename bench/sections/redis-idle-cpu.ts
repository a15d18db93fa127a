import { Redis } from 'ioredis';
import { cpuSeconds, redisPid } from '../lib/cpu.js';

async function pidOf(port: number): Promise<number> {
  const admin = new Redis(port);
  try {
    return await redisPid(admin);
  } finally {
    admin.disconnect();
  }
}

/** Share of one core each idle Redis uses over `seconds` (the cost of a higher `hz`). */
export async function idleCpu(ports: Record<string, number>, seconds: number): Promise<Record<string, number>> {
  const pids = Object.fromEntries(
    await Promise.all(Object.entries(ports).map(async ([name, port]) => [name, await pidOf(port)] as const)),
  );
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, (cpuSeconds(pid) - (before[name] ?? 0)) / seconds]),
  );
}
