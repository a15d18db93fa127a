import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import * as v from 'valibot';
import { validationProblem } from './problem.js';
import { toFieldErrors } from '../validation/field-errors.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Rejects a body that is not JSON with 415. A request with no body at all
 * passes (every field of our bodies is optional), so `curl -X POST` works.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async function requireJsonBodyMiddleware(c, next) {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
    // Reading is bounded by the body-limit middleware; the bytes are cached for later readers.
    if (!JSON_MEDIA_TYPE.test(mediaType) && (await c.req.arrayBuffer()).byteLength > 0) {
      throw new HTTPException(415, {
        message: `Content-Type must be application/json, not "${mediaType || '(none)'}"`,
      });
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
