import * as v from 'valibot';
import { MAX_DELAY_SECONDS, MAX_RETRY_LIMIT } from '../jobs/defaults.js';
import { MessageSchema } from '../jobs/message-schema.js';

function boundedInteger(max: number, unit: string) {
  return v.pipe(
    v.number('must be a number'),
    v.integer('must be a whole number'),
    v.minValue(0, 'must be 0 or more'),
    v.maxValue(max, `must be at most ${max}${unit}`),
  );
}

/** Body of `POST /api/dm-jobqueue/register`; every field optional (defaults from the job type). */
export const RegisterRequestSchema = v.pipe(
  // valibot's object schemas accept arrays; a JSON array body is not an object to us.
  v.custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'must be a JSON object',
  ),
  v.strictObject({
    message: v.optional(MessageSchema),
    delay_seconds: v.optional(
      v.pipe(
        boundedInteger(MAX_DELAY_SECONDS, ' (30 days)'),
        v.description("Seconds until the first run; 0 = now. Absent: the job type's default (180)."),
      ),
    ),
    max_retry: v.optional(
      v.pipe(
        boundedInteger(MAX_RETRY_LIMIT, ''),
        v.description("Retries after a failed run; 0 = one attempt, no retry. Absent: the job type's default (10)."),
      ),
    ),
  }),
);
