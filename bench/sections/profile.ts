import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { summarizeProfile, type ProfileSummary } from '../lib/cpu-profile.js';
import { startBenchServer } from '../lib/bench-server.js';
import { cpuSeconds } from '../lib/cpu.js';
import { postLoad } from '../lib/load.js';
import type { HttpTarget } from './http.js';

export interface ProfiledTarget extends ProfileSummary {
  name: string;
  requests: number;
  /** The server's CPU time per answered request (µs, from /proc) while it was profiled. */
  microsPerRequest: number;
}

/**
 * Each target under the register load for `seconds` with V8's sampling profiler on (a sample every 100 µs,
 * started and stopped by signals around the measured load: bench/servers/env.ts), then where its time went.
 * The profiler slows the process: read shares, not absolute µs.
 */
export async function profileRegister(
  targets: readonly HttpTarget[],
  { redisPort, seconds, log }: { redisPort: number; seconds: number; log: (line: string) => void },
): Promise<ProfiledTarget[]> {
  const admin = new Redis(redisPort);
  const results: ProfiledTarget[] = [];
  try {
    for (const target of targets) {
      const dir = mkdtempSync(path.join(tmpdir(), 'bench-profile-'));
      const file = path.join(dir, 'register.cpuprofile');
      await admin.flushall();
      const server = await startBenchServer(target.name, target.file, {
        REDIS_PORT: String(redisPort),
        QUEUE_NAME: 'bench-profile',
        BENCH_PROFILE_FILE: file,
        ...target.env,
      });
      await postLoad(server.url, { seconds: 1 }); // the JIT's warm-up, not profiled
      const count = (line: string) => server.process.stdout.filter((each) => each === line).length;
      const signalled = async (line: string) => {
        const seen = count(line);
        server.process.child.kill('SIGUSR2');
        for (const deadline = Date.now() + 30_000; count(line) <= seen;) {
          if (Date.now() > deadline) throw new Error(`${target.name}: no "${line}" after SIGUSR2`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await signalled('profiling');
      const cpuBefore = cpuSeconds(server.pid);
      const load = await postLoad(server.url, { seconds });
      const cpu = cpuSeconds(server.pid) - cpuBefore;
      await signalled('profile written');
      await server.process.stop('SIGTERM');
      const summary = summarizeProfile(file);
      rmSync(dir, { recursive: true, force: true });
      const requests = load.requestsPerSecond * seconds;
      results.push({ name: target.name, requests, microsPerRequest: (cpu * 1e6) / requests, ...summary });
      log(`profiled ${target.name}: ${Math.round(requests)} requests, ${Math.round(summary.busyMs)} ms busy`);
    }
  } finally {
    await admin.flushall().catch(() => undefined);
    admin.disconnect();
  }
  return results;
}
