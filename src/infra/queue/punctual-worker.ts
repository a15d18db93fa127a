import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/** Longest wait BullMQ blocks for (seconds); a timer further out would be replaced before it fires. */
const LONGEST_BLOCK_MS = 10_000;

/**
 * A BullMQ Worker that starts delayed jobs on time.
 *
 * While idle, BullMQ's worker blocks in `BZPOPMIN` on the queue's marker key
 * with a timeout that ends when the next delayed job is due. Redis checks those
 * timeouts only on its own clock tick (`hz`, 10 per second by default), so a
 * job started up to 100 ms late (p99 86–95 ms in the bench). This worker arms a
 * Node timer for the same due time and, when it fires, writes the marker the
 * way BullMQ itself does for a job that is ready (`ZADD marker 0 "0"`): Redis
 * answers a blocked client as soon as its key is written, so the worker
 * wakes within a millisecond or two whatever `hz` is.
 *
 * It hooks `getBlockTimeout`, the protected method BullMQ's wait asks for its
 * timeout just before it blocks; `test/integration/punctual-worker.test.ts` checks
 * the behaviour against a Redis ticking once a second, so a BullMQ change
 * that bypasses the hook fails the tests. A timer that fires after the wait
 * already ended costs one extra empty fetch, nothing more.
 */
export class PunctualWorker extends Worker {
  private wakeTimer: NodeJS.Timeout | undefined;

  protected override getBlockTimeout(blockUntil: number): number {
    const timeout = super.getBlockTimeout(blockUntil);
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    const dueInMs = blockUntil - Date.now();
    if (blockUntil > 0 && timeout > 0 && dueInMs <= LONGEST_BLOCK_MS) {
      this.wakeTimer = setTimeout(() => void this.wake(), Math.max(0, Math.ceil(dueInMs)));
      this.wakeTimer.unref();
    }
    return timeout;
  }

  private async wake(): Promise<void> {
    this.wakeTimer = undefined;
    if (this.closing) return;
    try {
      // BullMQ's client is a proxy over ioredis that forwards commands its
      // interface does not list, ZADD among them.
      const client = (await this.backend.client) as unknown as Pick<Redis, 'zadd'>;
      await client.zadd(this.toKey('marker'), 0, '0');
    } catch {
      // Only an early wake-up is lost: the blocking wait still ends on Redis's own clock.
    }
  }

  override async close(force?: boolean): Promise<void> {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    return super.close(force);
  }
}
