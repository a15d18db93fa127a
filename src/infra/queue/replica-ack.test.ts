import { describe, expect, it } from 'vitest';
import { createReplicaAck, ReplicaShortfallError } from './replica-ack.js';

/** A client whose WAITs answer when the test says so, recording each call. */
function fakeClient() {
  const calls: { args: [number, number]; answer: (replicas: number) => void; fail: (error: Error) => void }[] = [];
  return {
    calls,
    wait(replicas: number | string, timeout: number | string) {
      return new Promise<number>((resolve, reject) => {
        calls.push({ args: [Number(replicas), Number(timeout)], answer: resolve, fail: reject });
      });
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createReplicaAck', () => {
  it('sends WAIT with the configured replicas and timeout and resolves with its answer', async () => {
    const client = fakeClient();
    const ack = createReplicaAck(client, 2, 300);
    const confirmed = ack.confirm();
    expect(client.calls.map((call) => call.args)).toEqual([[2, 300]]);
    client.calls[0]?.answer(2);
    await expect(confirmed).resolves.toBe(2);
  });

  it('require() resolves when enough replicas confirmed and otherwise names the shortfall', async () => {
    const client = fakeClient();
    const ack = createReplicaAck(client, 2, 300);
    const enough = ack.require();
    client.calls[0]?.answer(2);
    await expect(enough).resolves.toBeUndefined();
    const short = ack.require();
    await tick();
    client.calls[1]?.answer(1);
    await expect(short).rejects.toThrow(new ReplicaShortfallError('1 of 2 replica(s) confirmed the job within 300 ms'));
  });

  it('never answers a caller with a WAIT sent before it asked; callers meanwhile share the next one', async () => {
    const client = fakeClient();
    const ack = createReplicaAck(client, 1, 500);
    const first = ack.confirm();
    const later = [ack.confirm(), ack.confirm(), ack.confirm()];
    await tick();
    expect(client.calls).toHaveLength(1);
    client.calls[0]?.answer(0);
    await expect(first).resolves.toBe(0);
    await tick();
    // The three who asked while the first WAIT was out get the second one, not the first one's 0.
    expect(client.calls).toHaveLength(2);
    client.calls[1]?.answer(1);
    await expect(Promise.all(later)).resolves.toEqual([1, 1, 1]);
  });

  it('passes a failed WAIT on to its callers, and the next caller sends a new one', async () => {
    const client = fakeClient();
    const ack = createReplicaAck(client, 1, 500);
    const failed = ack.confirm();
    client.calls[0]?.fail(new Error('Connection is closed.'));
    await expect(failed).rejects.toThrow('Connection is closed.');
    const again = ack.confirm();
    client.calls[1]?.answer(1);
    await expect(again).resolves.toBe(1);
  });
});
