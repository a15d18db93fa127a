import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../infra/log.js';
import { createErrorHandler } from '../infra/http/problem.js';
import { jsonBody, strictJson } from '../infra/http/problem.js';
import { RegisterRequestSchema } from './dm-jobqueue.js';

// The register route's body handling: strictJson (on /api/* in createApp), then the route's validator.
const app = new Hono().post('/', strictJson(), jsonBody(RegisterRequestSchema), (c) => c.json(c.req.valid('json')));
app.onError(createErrorHandler(createSilentLogger()));

const post = (body: string | Uint8Array | undefined, type = 'application/json') =>
  app.request('/', { method: 'POST', body: body ?? null, headers: type ? { 'content-type': type } : {} });

describe('the register body: strictJson and the validator', () => {
  it.for([
    ['a lone continuation byte', [0x80]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a UTF-16 surrogate encoded in UTF-8', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ] as const)('refuses a JSON body with %s (400), instead of storing U+FFFD', async ([, bytes]) => {
    const body = new Uint8Array([...Buffer.from('{"message":"x'), ...bytes, ...Buffer.from('"}')]);
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 400, detail: 'The request body is not valid UTF-8' });
  });

  it('passes valid UTF-8, emoji included', async () => {
    const response = await post(JSON.stringify({ message: 'héllo 😀' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'héllo 😀' });
  });

  it('refuses JSON that is null, not an object or malformed (400), and validates no body as {}', async () => {
    for (const body of ['null', '[1]', '"x"', '{"message":', '']) expect((await post(body)).status, body).toBe(400);
    const empty = await post(undefined, '');
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({});
  });

  it('answers 415 for a body that is not JSON, and lets an empty body through', async () => {
    expect((await post('a=1', 'text/plain')).status).toBe(415);
    expect((await post(undefined, '')).status).not.toBe(415);
  });
});
