import { describe, expect, it } from 'vitest';
import { QueueUnavailableError } from '../../jobs/register-job.js';
import { createSilentLogger } from '../../infra/log.js';
import { createReplicaAck } from './replica-ack.js';

/** A client whose WAITs answer when the test says so, recording each call. */
function fakeClient() {
  const calls: { args: [number, number]; answer: (replicas: number) => void; fail: (error: Error) => void }[] = [];
  const sets: string[] = [];
  return {
    calls,
    sets,
    wait(replicas: number | string, timeout: number | string) {
      return new Promise<number>((resolve, reject) => {
        calls.push({ args: [Number(replicas), Number(timeout)], answer: resolve, fail: reject });
      });
    },
    async set(key: string) {
      sets.push(key);
      return 'OK' as const;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const location = { name: 'q', prefix: 'bull' };
const ackFor = (client: ReturnType<typeof fakeClient>, replicas: number, timeoutMs: number) =>
  // The fake implements the two commands the ack sends.
  createReplicaAck({ client, replicas, timeoutMs, location, logger: createSilentLogger() });

describe('createReplicaAck', () => {
  it('sends WAIT with the configured replicas and timeout; enough confirmations resolve', async () => {
    const client = fakeClient();
    const confirmed = ackFor(client, 2, 300).afterWrite('job-1');
    expect(client.calls.map((call) => call.args)).toEqual([[2, 300]]);
    client.calls[0]?.answer(2);
    await expect(confirmed).resolves.toBeUndefined();
  });

  it('answers 503 naming the shortfall when too few replicas confirmed', async () => {
    const client = fakeClient();
    const short = ackFor(client, 2, 300).afterWrite('job-1');
    client.calls[0]?.answer(1);
    await expect(short).rejects.toBeInstanceOf(QueueUnavailableError);
    await expect(short).rejects.toThrow('1 of 2 replica(s) confirmed the job within 300 ms');
  });

  it('never answers a caller with a WAIT sent before it asked; callers meanwhile share the next one', async () => {
    const client = fakeClient();
    const ack = ackFor(client, 1, 500);
    const first = ack.afterWrite('a');
    const later = [ack.afterWrite('b'), ack.afterWrite('c'), ack.afterWrite('d')];
    await tick();
    expect(client.calls).toHaveLength(1);
    client.calls[0]?.answer(0);
    await expect(first).rejects.toBeInstanceOf(QueueUnavailableError);
    await tick();
    // The three who asked while the first WAIT was out get the second one, not the first one's 0.
    expect(client.calls).toHaveLength(2);
    client.calls[1]?.answer(1);
    await expect(Promise.all(later)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('passes a failed WAIT on to its callers, and the next caller sends a new one', async () => {
    const client = fakeClient();
    const ack = ackFor(client, 1, 500);
    const failed = ack.afterWrite('a');
    client.calls[0]?.fail(new Error('Connection is closed.'));
    await expect(failed).rejects.toThrow('Connection is closed.');
    const again = ack.afterWrite('b');
    client.calls[1]?.answer(1);
    await expect(again).resolves.toBeUndefined();
  });

  it('confirms a replayed job with a write of its own before the WAIT', async () => {
    const client = fakeClient();
    const replay = ackFor(client, 1, 500).beforeReplay('job-9');
    await tick();
    expect(client.sets).toEqual(['replica-ack:q:job-9']);
    client.calls[0]?.answer(1);
    await expect(replay).resolves.toBeUndefined();
  });
});
