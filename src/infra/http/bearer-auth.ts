import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { verifyApiKey, type ApiKeySettings, type Scope } from '../auth/api-keys.js';
import { PROBLEM_TYPES, problemResponse } from './problem.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

const REALM = 'dm-jobqueue';

declare module 'hono' {
  interface ContextVariableMap {
    /** Which API key made the request: a hash of the key, never the key (logs, Idempotency-Key scopes). */
    apiKeyId: string;
  }
}

// Only verified keys get here, and a service sees a handful: each is hashed once, not on every request.
const keyIds = new Map<string, string>();

export function apiKeyId(token: string): string {
  let id = keyIds.get(token);
  if (id === undefined) {
    if (keyIds.size >= 1000) keyIds.clear();
    id = createHash('sha256').update(token).digest('base64url');
    keyIds.set(token, id);
  }
  return id;
}

/** The token never reaches a log. */
export function bearerAuth(settings: ApiKeySettings): MiddlewareHandler {
  return async function bearerAuthMiddleware(c, next) {
    const header = c.req.header('authorization')?.trim();
    const unauthorized = (detail: string, error?: 'invalid_request' | 'invalid_token') => {
      const challenge = `Bearer realm="${REALM}"${error ? `, error="${error}"` : ''}`;
      // `message` too: the original template's client shows that member on 401/403.
      const problem = { type: PROBLEM_TYPES.unauthorized, title: 'Unauthorized', status: 401 } as const;
      return problemResponse(c, { ...problem, detail, message: detail }, { 'WWW-Authenticate': challenge });
    };
    if (!header) {
      return unauthorized(
        'Authorization header is required: send "Authorization: Bearer <API key>" (make a key with npm run api-key)',
      );
    }
    const token = BEARER.exec(header)?.[1];
    if (!token)
      return unauthorized('Invalid authorization header format: it must be "Bearer <API key>"', 'invalid_request');
    const result = await verifyApiKey(token, settings);
    if (!result.ok) return unauthorized(result.detail, 'invalid_token');
    const needed: Scope = c.req.method === 'GET' || c.req.method === 'HEAD' ? 'read' : 'write';
    if (!result.scopes.includes(needed)) {
      const message = `Insufficient scope: this request needs an API key with the "${needed}" scope`;
      const detail = `${message} (npm run api-key -- --scope ${needed})`;
      const problem = { type: PROBLEM_TYPES.forbidden, title: 'Forbidden', status: 403, detail, message } as const;
      const challenge = `Bearer realm="${REALM}", error="insufficient_scope", scope="${needed}"`;
      return problemResponse(c, problem, { 'WWW-Authenticate': challenge });
    }
    c.set('apiKeyId', apiKeyId(token));
    await next();
  };
}
