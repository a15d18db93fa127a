import path from 'node:path';
import { PROJECT_ROOT, startNodeProcess, type NodeProcess } from '../../scripts/lib/node-process.js';

/**
 * Where bench/run.ts compiles the bench (tsconfig.bench.json): servers run as plain JS, as in production.
 * Inside bench/, so that the compiled peers find bench/node_modules (express, fastify) first.
 */
export const BENCH_BUILD = 'bench/.build';

/** Starts a compiled bench script (`bench/servers/<name>.js`) without the TypeScript loader. */
export function startCompiled(file: string, env: Record<string, string>, nodeArgs: string[] = []): NodeProcess {
  return startNodeProcess(
    `${BENCH_BUILD}/bench/servers/${file}`,
    { CONFIG_DIR: path.join(PROJECT_ROOT, 'config'), ...env },
    { nodeArgs, typescript: false },
  );
}

export interface BenchServer {
  name: string;
  url: string;
  process: NodeProcess;
  pid: number;
}

/** Starts compiled `bench/servers/<file>` and waits for its `listening <port>` line. */
export async function startBenchServer(
  name: string,
  file: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<BenchServer> {
  const child = startCompiled(file.replace(/\.ts$/, '.js'), { PORT: '0', LOG_LEVEL: 'info', ...env }, nodeArgs);
  const line = await child.waitForLine(/^listening \d+$/, { stream: 'stdout', timeoutMs: 30_000 });
  const port = Number(line.split(' ')[1]);
  return { name, url: `http://127.0.0.1:${port}/api/dm-jobqueue/register`, process: child, pid: child.child.pid ?? 0 };
}
