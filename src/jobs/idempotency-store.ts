/** A job as it was registered, read back from the queue: what a replay answers and what a retry is compared with. */
export interface StoredRegistration {
  readonly type: string;
  readonly payload: unknown;
  readonly delayMs: number;
  readonly attempts: number;
  /** When the queue recorded the job (ms since epoch). */
  readonly createdAt: number;
}

/**
 * What idempotent registration needs from the queue's store. Every method
 * rejects with `QueueUnavailableError` when the store cannot be reached.
 */
export interface IdempotencyStore {
  /** The job stored under `jobId`, or undefined (never registered, or removed after its retention). */
  find(jobId: string): Promise<StoredRegistration | undefined>;
  /**
   * Marks `jobId` as being stored by this request for at most `ttlMs`; false
   * when another request holds it. The mark only serves the 409: two jobs are
   * impossible anyway, since both requests would store the same job id.
   */
  claim(jobId: string, ttlMs: number): Promise<boolean>;
  /** Ends a claim; the claim would expire by itself. */
  release(jobId: string): Promise<void>;
}
