/**
 * `npm run dev`: makes sure the job-queue Redis is reachable (starting a local
 * one if needed), then runs the API and the worker together, restarting each
 * when its sources change, with prefixed output.
 */
import concurrently from 'concurrently';
import { loadConfig } from '../src/infra/config/load-config.js';
import type { Config } from '../src/infra/config/schema.js';
import { ensureApiSecret } from './lib/ensure-api-secret.js';
import { ensureDevAdmin } from './lib/ensure-dev-admin.js';
import { ensureRedis } from './lib/ensure-redis.js';
import { portIsFree } from './lib/free-port.js';

const say = (line: string) => process.stdout.write(`[dev] ${line}\n`);

type Login = { username: string; password: string };
/** The dashboard extra's settings, read by their shape: the extra may have been removed (src/extras/). */
const dashboardOf = (config: Config) =>
  config.extras?.dashboard as { host: string; port: number; credentials?: Login | undefined } | undefined;

/** Exits 1 with one line per taken port, before anything is started or any URL printed. */
async function requireFreePorts(config: Config): Promise<void> {
  const { server, jobqueue } = config.app;
  const admin = dashboardOf(config);
  const wanted = [
    { what: 'the API', host: server.host, port: server.port, variable: 'SERVER_PORT', key: 'server.port' },
    {
      what: "the worker's health endpoint",
      host: jobqueue.host,
      port: jobqueue.port,
      variable: 'JOBQUEUE_PORT',
      key: 'jobqueue.port',
    },
    ...(admin
      ? [{ what: 'the queue dashboard', host: admin.host, port: admin.port, variable: 'ADMIN_PORT', key: 'admin.port' }]
      : []),
  ];
  let taken = 0;
  for (const { what, host, port, variable, key } of wanted) {
    if (await portIsFree(port, host)) continue;
    taken += 1;
    process.stderr.write(
      `[dev] port ${port} on ${host} (for ${what}) is already in use by another program: stop it, or choose another port, e.g. ${variable}=${port + 10} npm run dev (or ${key} in config/${config.env}/config.yaml)\n`,
    );
  }
  if (taken > 0) process.exit(1);
}

async function main(): Promise<void> {
  const loaded = loadConfig();
  await requireFreePorts(loaded);
  const withSecret = await ensureApiSecret(loaded, say);
  const { key } = withSecret;
  // New logins are in process.env now: the config is read again to include them.
  const config = ensureDevAdmin(loaded.env, say).length > 0 ? loadConfig() : withSecret.config;
  await ensureRedis(config, say);
  const { server, jobqueue } = config.app;
  const admin = dashboardOf(config);
  const metrics = config.extras?.metrics as Login | undefined;
  const base = `http://${server.host}:${server.port}`;
  say(`API:           ${base}`);
  // The key rides in the fragment: the browser never sends it to a server or a log.
  say(`demo page:     ${base}/dm-jobqueue#key=${key}`);
  say(`API key:       ${key}   (read, write; npm run -s api-key makes more)`);
  say(
    `register:      curl -X POST ${base}/api/dm-jobqueue/register -H "Authorization: Bearer ${key}" -H 'content-type: application/json' -d '{"message":"hi","delay_seconds":5}'`,
  );
  say(`API docs:      ${base}/docs`);
  say(`worker health: http://${jobqueue.host}:${jobqueue.port}/health`);
  if (admin?.credentials) {
    const { username, password } = admin.credentials;
    say(
      `dashboard:     http://${admin.host}:${admin.port}/admin/queues   (login ${username} / ${password}, from .env.develop.local)`,
    );
  }
  if (metrics) {
    const { username, password } = metrics;
    say(`metrics:       ${base}/metrics   (login ${username} / ${password}, scrape only)`);
  }
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
