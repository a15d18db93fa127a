import type { FieldError } from '../infra/validation/field-errors.js';

/**
 * The payload does not pass its job type's schema: nothing was stored. Maps to
 * 400 in the API, naming each field; the worker never sees such a job.
 */
export class InvalidJobPayloadError extends Error {
  override readonly name = 'InvalidJobPayloadError';

  constructor(
    readonly jobType: string,
    readonly errors: readonly FieldError[],
  ) {
    super(`invalid payload for "${jobType}": ${errors.map((error) => `${error.field}: ${error.reason}`).join('; ')}`);
  }
}
