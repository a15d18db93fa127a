import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import * as v from 'valibot';
import { validationProblem } from './problem.js';
import { toFieldErrors } from '../validation/field-errors.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Fails on the first invalid byte instead of turning it into U+FFFD (which would change the caller's text unseen). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Rejects a body that is not JSON with 415, and a JSON body that is not valid
 * UTF-8 (RFC 8259 §8.1) with 400. A request with no body at all passes (every
 * field of our bodies is optional), so `curl -X POST` works.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async function requireJsonBodyMiddleware(c, next) {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
    // Reading is bounded by the body-limit middleware; the bytes are cached for the JSON validator.
    const body = await c.req.arrayBuffer();
    if (!JSON_MEDIA_TYPE.test(mediaType) && body.byteLength > 0) {
      throw new HTTPException(415, {
        message: `Content-Type must be application/json, not "${mediaType || '(none)'}"`,
      });
    }
    try {
      STRICT_UTF8.decode(body);
    } catch {
      throw new HTTPException(400, { message: 'The request body is not valid UTF-8' });
    }
    await next();
  };
}

/**
 * Hono's JSON validator with a valibot schema: an invalid body answers 400
 * problem+json listing each field and its reason; the handler gets typed output.
 * @example app.post('/x', requireJsonBody(), jsonBody(Schema), (c) => c.json(c.req.valid('json')))
 */
export function jsonBody<TSchema extends v.GenericSchema>(schema: TSchema) {
  return validator('json', (value, c) => {
    const result = v.safeParse(schema, value);
    if (result.success) return result.output;
    return validationProblem(c, toFieldErrors(result.issues));
  });
}
