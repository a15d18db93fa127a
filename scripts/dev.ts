/**
 * `npm run dev`: makes sure the job-queue Redis is reachable (starting a local
 * one if needed), then runs the API and the worker together, restarting each
 * when its sources change, with prefixed output.
 */
import concurrently from 'concurrently';
import { loadConfig } from '../src/infra/config/load-config.js';
import { ensureRedis } from './lib/ensure-redis.js';

const say = (line: string) => process.stdout.write(`[dev] ${line}\n`);

async function main(): Promise<void> {
  const config = loadConfig();
  await ensureRedis(config, say);
  const { server, jobqueue } = config.app;
  say(`API:           http://${server.host}:${server.port}`);
  say(`demo page:     http://${server.host}:${server.port}/dm-jobqueue`);
  say(`register:      curl -X POST http://${server.host}:${server.port}/api/dm-jobqueue/register -H 'content-type: application/json' -d '{"message":"hi","delay_seconds":5}'`);
  say(`worker health: http://${jobqueue.host}:${jobqueue.port}/health`);
  const { result } = concurrently(
    [
      { command: 'tsx watch --clear-screen=false src/server.ts', name: 'api', prefixColor: 'cyan' },
      { command: 'tsx watch --clear-screen=false src/worker.ts', name: 'worker', prefixColor: 'magenta' },
    ],
    { prefix: 'name', killOthersOn: ['failure'], restartTries: 0 },
  );
  await result;
}

main().catch((error: unknown) => {
  // concurrently rejects with the close events when a process fails; the output above says why.
  if (error instanceof Error) process.stderr.write(`[dev] ${error.message}\n`);
  process.exitCode = 1;
});
