import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** CPU time (user + system) a process has used so far, in seconds, from /proc (Linux, 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The pid of the redis-server behind `admin` (INFO server). */
export async function redisPid(admin: Redis): Promise<number> {
  return Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1] ?? 0);
}
