import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createErrorHandler } from '../infra/http/problem.js';
import { createSilentLogger } from '../infra/log.js';
import { createFakeProducer } from '../../test/fakes/fake-producer.js';
import { demoDelayPrint } from './demo-delay-print.js';
import { InvalidJobPayloadError } from './job.js';
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
