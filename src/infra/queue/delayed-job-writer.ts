import { QueueKeys } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EnqueueRequest } from '../../jobs/job-producer.js';
import { ADD_DELAYED_JOBS_LUA } from './add-delayed-jobs-lua.js';
import { toBullmqJobOptions } from './bullmq-job-options.js';

/** A delayed job ready for the script: its hash key and its six arguments. */
export interface EncodedDelayedJob {
  readonly key: string;
  readonly args: readonly (string | number)[];
}

/** Stores delayed jobs, many per Redis call. */
export interface DelayedJobWriter {
  /**
   * Checks and encodes one job registered at `timestamp` (ms since epoch).
   * Throws for a job BullMQ would refuse, so one bad job never fails a batch.
   */
  encode(request: EnqueueRequest, timestamp: number): EncodedDelayedJob;
  /** One Redis call; per job `true` if stored, `false` where a job with that id already existed. */
  write(jobs: readonly EncodedDelayedJob[]): Promise<boolean[]>;
}

const COMMAND = 'dmAddDelayedJobs';
type AddDelayedJobs = (numKeys: number, ...keysThenArgs: (string | number)[]) => Promise<number[]>;

/**
 * Writes delayed jobs with {@link ADD_DELAYED_JOBS_LUA}, in BullMQ's own key
 * names (`QueueKeys`) and with the options `queue.add` is given ({@link toBullmqJobOptions}).
 * @example const writer = createDelayedJobWriter(client, 'dm-jobqueue');
 *          await writer.write([writer.encode(request, Date.now())]);
 */
export function createDelayedJobWriter(client: Redis, queueName: string, prefix = 'bull'): DelayedJobWriter {
  // defineCommand only registers the script locally; ioredis sends EVALSHA and
  // falls back to EVAL when Redis does not know it yet (new or restarted).
  if (!(COMMAND in client)) client.defineCommand(COMMAND, { lua: ADD_DELAYED_JOBS_LUA });
  // The method defineCommand adds is not in ioredis's types.
  const addDelayedJobs = (client as unknown as Record<typeof COMMAND, AddDelayedJobs>)[COMMAND].bind(client);
  const queueKeys = new QueueKeys(prefix);
  const key = (type: string) => queueKeys.toKey(queueName, type);
  const fixedKeys = [key('marker'), key('meta'), key('id'), key('delayed'), key('events')];

  return {
    encode(request, timestamp) {
      assertBullmqJobId(request.jobId);
      if (!(request.delayMs > 0)) throw new Error(`job ${request.jobId} has no delay; store it with queue.add`);
      // As BullMQ's Job does: no payload is stored as {}.
      const data = JSON.stringify(request.payload === undefined ? {} : request.payload) as string | undefined;
      if (data === undefined) throw new Error(`job ${request.jobId}: payload cannot be stored as JSON`);
      return { key: key(request.jobId), args: [request.jobId, request.type, data, JSON.stringify(toBullmqJobOptions(request)), timestamp, request.delayMs] };
    },

    async write(jobs) {
      const scriptKeys = [...fixedKeys];
      const args: (string | number)[] = [];
      for (const job of jobs) {
        scriptKeys.push(job.key);
        args.push(...job.args);
      }
      const stored = await addDelayedJobs(scriptKeys.length, ...scriptKeys, ...args);
      return stored.map((flag) => flag === 1);
    },
  };
}

/** The ids BullMQ's `queue.add` refuses, refused here too. */
function assertBullmqJobId(jobId: string): void {
  if (`${Number.parseInt(jobId, 10)}` === jobId) throw new Error(`job id ${jobId}: BullMQ custom ids cannot be integers`);
  if (jobId.includes(':')) throw new Error(`job id ${jobId}: BullMQ custom ids cannot contain ':'`);
}
