import type { NodeProcess } from '../../../scripts/lib/node-process.js';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { AUTH_HEADERS } from '../../helpers/api-keys.js';
import { uniqueQueueName } from '../../helpers/redis-config.js';
import { startSentinelSetup, type SentinelSetup } from '../../helpers/redis-sentinel.js';
import { NO_RATE_LIMIT, writeConfigDir } from './config-dir.js';
import { scenarioEnv, startApi, startWorker, waitUntilReady } from './processes.js';
import { openQueue } from './slow-jobs.js';
import { sleep } from './stats.js';

export interface FailoverRunOptions {
  /** `redis.replica_ack.replicas` of the API (the replica-ack extra). */
  ackReplicas: number;
  /** Replicas of the first master. */
  replicas: number;
}

export interface Registration {
  message: string;
  /** When the request was sent (ms since epoch). */
  sentAt: number;
  answeredAt: number;
  status: number | 'network error';
  /** From a 201's body. */
  jobId?: string;
}

export interface FailoverRun {
  registrations: Registration[];
  /** message → when each run's line reached this process, and from which worker. */
  runs: Map<string, { at: number; worker: number }[]>;
  oldMasterPort: number;
  newMasterPort: number;
  replicaPorts: number[];
  killedAt: number;
  /** Sentinels named the new master. */
  promotedAt: number;
  /** First 201 of a request sent after the kill. */
  firstAckAfterKillAt: number;
  /** ROLE of the old master after it was started again. */
  oldMasterRoleAfterRestart: string;
  rejoinedAfterMs: number;
  /** Acknowledged jobs that never ran but are still in Redis at the end, with their state (late, not lost). */
  stillQueued: Map<string, string>;
}

/** Worker processes. */
const WORKERS = 2;
/** Registration loops running at once. */
const CLIENTS = 4;
/** How long registrations flow before the master is killed. */
const LOAD_BEFORE_KILL_MS = 3000;
/** How long they keep flowing after the API answers 201 again. */
const LOAD_AFTER_RECOVERY_MS = 3000;

const RUN_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] (failover-\d+)$/;

/**
 * The failover scenario of 15.2 / 15.3 with real processes: a master, its
 * replicas and three sentinels; the API and workers on Sentinel; registrations
 * (delays of 0-2 s, so jobs come due throughout) from several loops; SIGKILL of
 * the master; load until the API answers 201 again and a while after; the old
 * master started again until it is a replica. Everything is stopped at the end,
 * also on failure. Measures; the caller asserts.
 */
export async function runFailover({ ackReplicas, replicas }: FailoverRunOptions): Promise<FailoverRun> {
  // The rate limit off: the load comes from one IP.
  const config = writeConfigDir([NO_RATE_LIMIT]);
  let setup: SentinelSetup | undefined;
  const processes: NodeProcess[] = [];
  try {
    setup = await startSentinelSetup({ replicas, downAfterMs: 1000, failoverTimeoutMs: 3000 });
    const queueName = uniqueQueueName('failover');
    // No address: setup.env names the sentinels (and clears REDIS_JOBQUEUE_ADDR).
    const env = scenarioEnv('', config.dir, {
      ...setup.env,
      JOBQUEUE_QUEUE_NAME: queueName,
      REDIS_JOBQUEUE_ACK_REPLICAS: String(ackReplicas),
      LOG_LEVEL: 'info',
    });
    const runs = new Map<string, { at: number; worker: number }[]>();
    const apiStart = startApi(env);
    const workerStarts = Array.from({ length: WORKERS }, (_, index) =>
      startWorker(env, {
        onLine(stream, line) {
          const message = stream === 'stdout' ? RUN_LINE.exec(line)?.[1] : undefined;
          if (message) runs.set(message, [...(runs.get(message) ?? []), { at: Date.now(), worker: index }]);
        },
      }),
    );
    // All at once; the started ones are stopped in `finally` even if another did not start.
    const started = await Promise.allSettled([apiStart, ...workerStarts]);
    for (const each of started) if (each.status === 'fulfilled') processes.push(each.value);
    const failed = started.find((each) => each.status === 'rejected');
    if (failed) throw failed.reason;
    const { baseUrl } = await apiStart;
    await waitUntilReady(baseUrl);

    const registrations: Registration[] = [];
    let counter = 0;
    let stopLoad = false;
    const loop = async () => {
      while (!stopLoad) {
        counter += 1;
        const message = `failover-${counter}`;
        const sentAt = Date.now();
        let status: Registration['status'];
        let jobId: string | undefined;
        try {
          const response = await fetch(`${baseUrl}/api/dm-jobqueue/register`, {
            method: 'POST',
            headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
            body: JSON.stringify({ message, delay_seconds: counter % 3, max_retry: 3 }),
            signal: AbortSignal.timeout(5000),
          });
          const body = (await response.json()) as { job_id?: string };
          status = response.status;
          if (status === 201) jobId = body.job_id;
        } catch {
          status = 'network error';
        }
        registrations.push({ message, sentAt, answeredAt: Date.now(), status, ...(jobId ? { jobId } : {}) });
        // A 503 answers at once: pace the retries so the log stays readable.
        await sleep(status === 201 ? 5 : 50);
      }
    };
    const loops = Array.from({ length: CLIENTS }, loop);

    await sleep(LOAD_BEFORE_KILL_MS);
    const oldMasterPort = await setup.masterPort();
    const oldMaster = setup.node(oldMasterPort);
    await oldMaster.stop('SIGKILL');
    const killedAt = Date.now();
    const newMasterPort = await setup.waitForNewMaster(oldMasterPort, 30_000);
    const promotedAt = Date.now();
    const firstAck = await waitFor(
      () => registrations.find((entry) => entry.sentAt > killedAt && entry.status === 201),
      { timeoutMs: 30_000, what: 'a 201 after the failover' },
    );
    await sleep(LOAD_AFTER_RECOVERY_MS);
    stopLoad = true;
    await Promise.all(loops);

    const restartedAt = Date.now();
    await oldMaster.start();
    const oldMasterRoleAfterRestart = await waitFor(
      async () => ((await setup?.role(oldMasterPort)) === 'slave' ? 'slave' : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the old master to rejoin as a replica',
      },
    ).catch(async () => (await setup?.role(oldMasterPort)) ?? 'unknown');
    const rejoinedAfterMs = Date.now() - restartedAt;

    // Every job is due within 2 s of its registration. One that was taken from the old master just before
    // the kill is back only once BullMQ's stalled check returns it (lock 30 s + check 30 s): wait that long.
    const acknowledged = registrations.filter((entry) => entry.status === 201);
    await waitFor(() => acknowledged.every((entry) => runs.has(entry.message)), {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'the workers to run the acknowledged jobs',
    }).catch(() => undefined);
    // A run that is in flight (a duplicate) gets a last moment.
    await sleep(2000);
    // Not run: still in Redis (late), or gone (lost)?
    const stillQueued = new Map<string, string>();
    const inspector = openQueue(`127.0.0.1:${newMasterPort}`, queueName);
    try {
      for (const entry of acknowledged.filter((each) => !runs.has(each.message))) {
        const state = entry.jobId ? await inspector.getJobState(entry.jobId) : 'unknown';
        if (state !== 'unknown') stillQueued.set(entry.message, state);
      }
    } finally {
      await inspector.close();
    }
    return {
      registrations,
      runs,
      oldMasterPort,
      newMasterPort,
      replicaPorts: setup.nodes.slice(1).map((node) => node.port),
      killedAt,
      promotedAt,
      firstAckAfterKillAt: firstAck.answeredAt,
      oldMasterRoleAfterRestart,
      rejoinedAfterMs,
      stillQueued,
    };
  } finally {
    await Promise.allSettled(processes.map((child) => child.stop('SIGKILL')));
    await setup?.destroy();
    config.remove();
  }
}

/** Figures every failover scenario reports. */
export function summarize(run: FailoverRun) {
  const acknowledged = run.registrations.filter((entry) => entry.status === 201);
  // Lost: acknowledged, never ran, and not in Redis any more.
  const lost = acknowledged.filter((entry) => !run.runs.has(entry.message) && !run.stillQueued.has(entry.message));
  const duplicated = [...run.runs].filter(([, runs]) => runs.length > 1);
  const unavailable = run.registrations.filter((entry) => entry.status === 503);
  const afterRecovery = acknowledged.filter((entry) => entry.sentAt >= run.firstAckAfterKillAt);
  const workersAfterRecovery = new Set(
    afterRecovery.flatMap((entry) => (run.runs.get(entry.message) ?? []).map((each) => each.worker)),
  );
  return {
    acknowledged,
    lost,
    duplicated,
    unavailable,
    afterRecovery,
    workersAfterRecovery,
    other: run.registrations.filter((entry) => entry.status !== 201 && entry.status !== 503),
    /** From the kill to the first 201 of a request sent after it. */
    windowMs: run.firstAckAfterKillAt - run.killedAt,
    promotedAfterMs: run.promotedAt - run.killedAt,
    acknowledgedBeforeKill: acknowledged.filter((entry) => entry.answeredAt <= run.killedAt),
  };
}
