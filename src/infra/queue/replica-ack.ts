import type { Redis } from 'ioredis';

/** Fewer replicas than asked for confirmed the writes within the timeout: they are on the master only. */
export class ReplicaShortfallError extends Error {
  override readonly name = 'ReplicaShortfallError';
}

export interface ReplicaAck {
  /** How many replicas must hold a write (`ack_replicas`). */
  readonly replicas: number;
  /** How long one WAIT waits for them (`ack_timeout_ms`). */
  readonly timeoutMs: number;
  /**
   * Resolves with how many replicas hold every write this connection made
   * before the call (Redis `WAIT`), at most after the timeout. Call it after
   * the write's reply arrived.
   */
  confirm(): Promise<number>;
  /** {@link confirm}, then ReplicaShortfallError unless `replicas` of them hold the writes. */
  require(): Promise<void>;
}

/**
 * Durable acknowledgement through Redis `WAIT numreplicas timeout` on the
 * connection that wrote (WAIT covers that connection's own writes only).
 *
 * WAIT blocks its connection, so one WAIT per registration would serialize
 * them all. Instead callers share WAITs, as a database shares a commit: at
 * most one is in flight, and everyone who asks meanwhile joins the next one,
 * sent when it returns. A WAIT sent after a caller's write was answered covers
 * that write, so sharing never confirms a write it has not seen.
 *
 * It relies on BullMQ writing a job on the very client it was given (not a
 * duplicate): test/integration/replica-ack.test.ts fails if an upgrade changes
 * that (a frozen replica would then still be counted and the 503 not come).
 * @example const ack = createReplicaAck(client, 1, 500); await queue.add(…); await ack.require();
 */
export function createReplicaAck(client: Pick<Redis, 'wait'>, replicas: number, timeoutMs: number): ReplicaAck {
  let inFlight: Promise<number> | undefined;
  let next: Promise<number> | undefined;

  function send(): Promise<number> {
    const sent = client.wait(replicas, timeoutMs);
    inFlight = sent;
    const done = () => {
      if (inFlight === sent) inFlight = undefined;
    };
    sent.then(done, done);
    return sent;
  }

  function confirm(): Promise<number> {
    if (!inFlight) return send();
    // Already queued behind the WAIT in flight: join it; it is sent when that one returns.
    next ??= inFlight
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        next = undefined;
        return send();
      });
    return next;
  }

  return {
    replicas,
    timeoutMs,
    confirm,
    async require() {
      const confirmed = await confirm();
      if (confirmed < replicas)
        throw new ReplicaShortfallError(
          `${confirmed} of ${replicas} replica(s) confirmed the job within ${timeoutMs} ms`,
        );
    },
  };
}
