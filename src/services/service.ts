/**
 * A process's long-running part, built from injected parts and started by an
 * entry. `start` opens what it needs and rejects when the process cannot serve
 * (port taken, worker cannot run) — not when Redis is down (D11); `stop`
 * closes whatever `start` opened, also after a failed start, and is idempotent.
 */
export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Rejects if the service fails for good after it started (the worker's run
   * loop rejected); the entry then stops it and exits 1. Never resolves.
   */
  readonly failure: Promise<never>;
}

/** A promise that only the service can reject, with no unhandled rejection if nobody listens yet. */
export function failureSignal(): { failure: Promise<never>; fail: (error: unknown) => void } {
  let fail: (error: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failure.catch(() => undefined);
  return { failure, fail };
}

/** Runs `step` once and hands every caller the same promise. */
export function once(step: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= step());
}
