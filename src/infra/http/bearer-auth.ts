import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { verifyApiKey, type ApiKeySettings, type Scope } from '../auth/api-keys.js';
import { PROBLEM_TYPES, problemResponse } from './problem.js';

/** The part of an Authorization header after `Bearer `: the characters a JWT is made of. */
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

/** GET and HEAD read; everything else writes (POST /register). */
function scopeFor(method: string): Scope {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

const REALM = 'dm-jobqueue';

/** A key's stable, non-secret name (SHA-256 of the token): logs and idempotency scopes use it, never the key. */
export function apiKeyId(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

declare module 'hono' {
  interface ContextVariableMap {
    /**
     * Which API key made the request (a hash of the key, never the key): the
     * scope of its Idempotency-Keys, computed when called. Set by bearerAuth on every request it lets through.
     */
    apiKeyId: (() => string) | undefined;
  }
}

/**
 * Bearer API keys (JWT, HS256) on every request it is mounted on: 401
 * problem+json for a missing, malformed, forged, expired or foreign key, 403
 * when the key lacks the scope the method needs. The token never reaches a log.
 * @example app.use('/api/*', bearerAuth(settings));
 */
export function bearerAuth(settings: ApiKeySettings): MiddlewareHandler {
  return async function bearerAuthMiddleware(c, next) {
    const header = c.req.header('authorization');
    const unauthorized = (detail: string, error?: 'invalid_request' | 'invalid_token') =>
      problemResponse(
        c,
        // `message` too: the original template's client shows that member on 401/403.
        { type: PROBLEM_TYPES.unauthorized, title: 'Unauthorized', status: 401, detail, message: detail },
        { 'WWW-Authenticate': `Bearer realm="${REALM}"${error ? `, error="${error}"` : ''}` },
      );
    if (header === undefined || header.trim() === '') {
      return unauthorized(
        'Authorization header is required: send "Authorization: Bearer <API key>" (make a key with npm run api-key)',
      );
    }
    const token = BEARER.exec(header.trim())?.[1];
    if (!token)
      return unauthorized('Invalid authorization header format: it must be "Bearer <API key>"', 'invalid_request');
    const result = await verifyApiKey(token, settings);
    if (!result.ok) return unauthorized(result.detail, 'invalid_token');
    const needed = scopeFor(c.req.method);
    if (!result.scopes.includes(needed)) {
      return problemResponse(
        c,
        {
          type: PROBLEM_TYPES.forbidden,
          title: 'Forbidden',
          status: 403,
          detail: `Insufficient scope: this request needs an API key with the "${needed}" scope (npm run api-key -- --scope ${needed})`,
          message: `Insufficient scope: this request needs an API key with the "${needed}" scope`,
        },
        { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${needed}"` },
      );
    }
    // Hashed only when asked for (an Idempotency-Key): most requests never need it.
    c.set('apiKeyId', () => apiKeyId(token));
    await next();
  };
}
