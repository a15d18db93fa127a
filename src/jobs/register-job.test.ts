import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createErrorHandler } from '../infra/http/problem.js';
import { createSilentLogger } from '../infra/log.js';
import { createFakeProducer } from '../../test/fakes/fake-producer.js';
import { demoDelayPrint } from './demo-delay-print.js';
import { defineJob, InvalidJobPayloadError } from './job.js';
import { registerJob } from './register-job.js';

describe('registerJob', () => {
  it("refuses a payload the job type's own schema refuses, storing nothing", async () => {
    const producer = createFakeProducer();
    const attempt = registerJob({ producer, newJobId: () => 'id-1' }, demoDelayPrint, {
      // As an untyped caller (data from outside) could send it: the schema, not the type, refuses it.
      payload: { message: '   ', extra: 1 } as unknown as { message: string },
    });
    await expect(attempt).rejects.toBeInstanceOf(InvalidJobPayloadError);
    await expect(attempt).rejects.toMatchObject({
      errors: [
        { field: 'message', reason: 'must not be empty' },
        { field: 'extra', reason: 'is not a known field' },
      ],
    });
    expect(producer.jobs).toEqual([]);
  });

  it('stores the parsed payload (trimmed), not the raw one', async () => {
    const producer = createFakeProducer();
    await registerJob({ producer, newJobId: () => 'id-2' }, demoDelayPrint, { payload: { message: '  hi  ' } });
    expect(producer.jobs[0]?.data).toEqual({ message: 'hi' });
  });

  it('becomes a 400 problem naming the field in the API', async () => {
    const app = new Hono()
      .post('/x', () => {
        throw new InvalidJobPayloadError('demo:delay_print', [{ field: 'message', reason: 'must not be empty' }]);
      })
      .onError(createErrorHandler(createSilentLogger()));
    const response = await app.request('/x', { method: 'POST' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      status: 400,
      detail: 'message: must not be empty',
      errors: [{ field: 'message', reason: 'must not be empty' }],
    });
  });
});

describe('delays and retry counts out of range', () => {
  const definition = {
    type: 'mail:send_welcome',
    payloadSchema: demoDelayPrint.payloadSchema,
    delaySeconds: 0,
    maxRetry: 4,
    backoff: { type: 'fixed', delayMs: 1000 },
    createProcessor: demoDelayPrint.createProcessor,
  } as const;

  it('a definition names the field and the limit when its module loads', () => {
    expect(() => defineJob({ ...definition, delaySeconds: -5 })).toThrow(
      'job type "mail:send_welcome": delaySeconds must be a whole number from 0 to 2592000 (30 days), not -5',
    );
    expect(() => defineJob({ ...definition, maxRetry: -1 })).toThrow(
      'job type "mail:send_welcome": maxRetry must be a whole number from 0 to 25, not -1',
    );
    expect(() => defineJob({ ...definition, maxRetry: 1e6 })).toThrow(
      'maxRetry must be a whole number from 0 to 25, not 1000000',
    );
    expect(() => defineJob({ ...definition, backoff: { type: 'fixed', delayMs: -1 } })).toThrow(
      'backoff.delayMs must be a whole number of 0 or more, not -1',
    );
    expect(defineJob(definition).maxRetry).toBe(4);
  });

  it('registerJob refuses them (400 in the API) and stores nothing', async () => {
    const producer = createFakeProducer();
    const register = (input: { delaySeconds?: number; maxRetry?: number }) =>
      registerJob({ producer }, demoDelayPrint, { payload: { message: 'hi' }, ...input });
    await expect(register({ delaySeconds: -5 })).rejects.toMatchObject({
      errors: [{ field: 'delaySeconds', reason: 'must be a whole number from 0 to 2592000 (30 days), not -5' }],
    });
    await expect(register({ maxRetry: 1e6 })).rejects.toMatchObject({
      errors: [{ field: 'maxRetry', reason: 'must be a whole number from 0 to 25, not 1000000' }],
    });
    await expect(register({ maxRetry: 1.5 })).rejects.toBeInstanceOf(InvalidJobPayloadError);
    expect(producer.jobs).toEqual([]);
    await register({ maxRetry: 4 });
    // Retries, not runs: 4 retries are 5 attempts.
    expect(producer.jobs[0]).toMatchObject({ attempts: 5 });
  });
});
