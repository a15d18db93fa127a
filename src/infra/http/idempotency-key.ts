import type { Context } from 'hono';
import * as v from 'valibot';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Marks a 201 that replays an earlier request's answer. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the register route when it replays an earlier answer: the metrics count it apart. */
    idempotentReplay: boolean | undefined;
  }
}

/**
 * The IETF httpapi draft sends the key as a structured-field string
 * (`"8e03978e-…"`); many clients (Stripe's) send it bare. Both are accepted:
 * 1–255 visible ASCII characters, no quote or backslash inside.
 */
const IdempotencyKeySchema = v.pipe(
  v.string(),
  v.transform((raw) => raw.trim()),
  v.regex(
    /^(?:"[!#-[\]-~ ]{1,255}"|[!#-[\]-~]{1,255})$/,
    'must be 1 to 255 visible ASCII characters (no quote or backslash), optionally in double quotes, e.g. "order-42"',
  ),
  v.transform((key) => (key.startsWith('"') ? key.slice(1, -1) : key)),
);

export type IdempotencyKeyHeader = { ok: true; key: string | undefined } | { ok: false; reason: string };

/** The request's `Idempotency-Key`: absent (undefined), the key, or why it is malformed. */
export function readIdempotencyKey(c: Context): IdempotencyKeyHeader {
  const raw = c.req.header(IDEMPOTENCY_KEY_HEADER);
  if (raw === undefined) return { ok: true, key: undefined };
  const parsed = v.safeParse(IdempotencyKeySchema, raw);
  return parsed.success ? { ok: true, key: parsed.output } : { ok: false, reason: parsed.issues[0].message };
}
