import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { summarizeProfile, type ProfileSummary } from '../lib/cpu-profile.js';
import { startBenchServer } from '../lib/bench-server.js';
import { postLoad } from '../lib/load.js';
import type { HttpTarget } from './http.js';

export interface ProfiledTarget extends ProfileSummary {
  name: string;
  requests: number;
  /** Busy CPU time per answered request (µs), as the profiler saw it. */
  microsPerRequest: number;
}

/**
 * Each target under the register load for `seconds` with V8's sampling profiler on (`--cpu-prof`, a sample
 * every 100 µs), then where its time went. The profiler slows the process: read shares, not absolute µs.
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
      await admin.flushall();
      const server = await startBenchServer(
        target.name,
        target.file,
        { REDIS_PORT: String(redisPort), QUEUE_NAME: 'bench-profile', ...target.env },
        ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100'],
      );
      await postLoad(server.url, { seconds: 1 }); // the JIT's warm-up, profiled too but a small share
      const load = await postLoad(server.url, { seconds });
      // The profile is written when the process exits; the bench servers exit on SIGTERM.
      await server.process.stop('SIGTERM');
      const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
      if (!file) throw new Error(`${target.name}: no CPU profile written to ${dir}`);
      const summary = summarizeProfile(path.join(dir, file));
      rmSync(dir, { recursive: true, force: true });
      const requests = load.requestsPerSecond * seconds;
      results.push({ name: target.name, requests, microsPerRequest: (summary.busyMs * 1000) / requests, ...summary });
      log(`profiled ${target.name}: ${Math.round(requests)} requests, ${Math.round(summary.busyMs)} ms busy`);
    }
  } finally {
    await admin.flushall().catch(() => undefined);
    admin.disconnect();
  }
  return results;
}
