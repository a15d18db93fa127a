/**
 * A retry with an `Idempotency-Key` that cannot be answered by a replay:
 * `in-progress` (409) while the first request with the key is still being
 * stored, `mismatch` (422) when the key was used for a different request.
 */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';

  constructor(readonly reason: 'in-progress' | 'mismatch') {
    super(
      reason === 'in-progress'
        ? 'A request with this Idempotency-Key is still being processed; retry in a moment'
        : 'This Idempotency-Key was already used with a different request body; use a new key for a new job',
    );
  }
}
