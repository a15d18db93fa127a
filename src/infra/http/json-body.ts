import type { Env, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import * as v from 'valibot';
import { validationProblem } from './problem.js';
import { toFieldErrors } from '../validation/field-errors.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Fails on the first invalid byte instead of turning it into U+FFFD (which would change the caller's text unseen). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's JSON body, parsed once by requireJsonBody; undefined when the request has none. */
    jsonBody: unknown;
  }
}

/**
 * Reads the body once: 415 for a body that is not JSON, 400 for one that is
 * not valid UTF-8 (RFC 8259 §8.1) or not JSON. A request with no body at all
 * passes (every field of our bodies is optional), so `curl -X POST` works.
 * The parsed body goes to `jsonBody` through the context: reading it again as
 * text (as Hono's JSON validator would) makes Hono convert the cached bytes
 * through a full web Response, a large share of a register call's CPU.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async function requireJsonBodyMiddleware(c, next) {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const isJson = JSON_MEDIA_TYPE.test(mediaType);
    // Reading is bounded by the body-limit middleware.
    const body = await c.req.arrayBuffer();
    if (!isJson && body.byteLength > 0) {
      throw new HTTPException(415, {
        message: `Content-Type must be application/json, not "${mediaType || '(none)'}"`,
      });
    }
    if (isJson) {
      let text: string;
      try {
        text = STRICT_UTF8.decode(body);
      } catch {
        throw new HTTPException(400, { message: 'The request body is not valid UTF-8' });
      }
      try {
        c.set('jsonBody', JSON.parse(text));
      } catch {
        throw new HTTPException(400, { message: 'Malformed JSON in request body' });
      }
    }
    await next();
  };
}

/**
 * Validates the body requireJsonBody read with a valibot schema: an invalid
 * body answers 400 problem+json listing each field and its reason; the
 * handler gets typed output from `c.req.valid('json')`. No body validates as `{}`.
 * @example app.post('/x', requireJsonBody(), jsonBody(Schema), (c) => c.json(c.req.valid('json')))
 */
export function jsonBody<TSchema extends v.GenericSchema>(
  schema: TSchema,
): MiddlewareHandler<Env, string, { in: { json: v.InferInput<TSchema> }; out: { json: v.InferOutput<TSchema> } }> {
  return async function jsonBodyMiddleware(c, next) {
    const body = c.get('jsonBody');
    // Only a missing body is `{}`; a JSON `null` is validated as the null it is.
    const result = v.safeParse(schema, body === undefined ? {} : body);
    if (!result.success) return validationProblem(c, toFieldErrors(result.issues));
    // Our body schemas are objects; Hono's validator hands its output over the same way.
    c.req.addValidatedData('json', result.output as object);
    await next();
  };
}
