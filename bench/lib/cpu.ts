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

/** CPU time (user + system) the Redis behind `admin` has used so far, in seconds (INFO cpu). */
export async function redisCpuSeconds(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/** Bytes of memory the Redis behind `admin` uses for data and overhead (INFO memory `used_memory`). */
export async function redisUsedMemory(admin: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1] ?? Number.NaN);
}
