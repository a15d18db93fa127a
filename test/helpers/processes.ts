import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** The process exists and is not a zombie (an exited daemon may linger unreaped). */
export function isAlive(pid: number): boolean {
  try {
    const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return state !== '' && !state.startsWith('Z');
  } catch {
    return false; // ps exits 1 when there is no such process
  }
}

/** The pid a redis-server wrote into its pidfile, if the file is there. */
export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Live (non-zombie) redis-server processes listening on `port`, as `ps` shows them. */
export function redisServersOnPort(port: number): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => {
    const [, stat = '', ...args] = line.trim().split(/\s+/);
    return !stat.startsWith('Z') && args.join(' ').includes('redis-server') && args.join(' ').includes(`:${port}`);
  });
}

/** SIGKILLs a leftover redis-server, for test clean-up after a failed assertion. */
export function killIfAlive(pid: number | undefined): void {
  if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
}
