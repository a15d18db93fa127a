import { createHash } from 'node:crypto';

/**
 * The job id an idempotent registration stores its job under: a UUID made
 * from the caller's scope (its API key) and its `Idempotency-Key`. The same
 * pair always names the same job, so a retry can never store a second one; a
 * caller without the key cannot compute or probe another caller's ids.
 * @example idempotentJobId(apiKeyId, 'order-42') // '3f0c…-…'
 */
export function idempotentJobId(scope: string, idempotencyKey: string): string {
  const hex = createHash('sha256').update(scope).update('\0').update(idempotencyKey).digest('hex');
  // RFC 9562 version 8 (custom) UUID, variant 10: the shape every job id has.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
