/**
 * Type tests (vitest --typecheck, part of `npm test`): the job registry guides the compiler.
 * A second job type, `mail:send_welcome`, is defined here as a user would add one.
 */
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import type { IdempotencyStore } from '../../src/jobs/idempotent-registration.js';
import { registerJobIdempotently } from '../../src/jobs/idempotent-registration.js';
import { demoDelayPrint } from '../../src/jobs/demo-delay-print.js';
import { defineJob, type JobOf, type PayloadOf } from '../../src/jobs/job.js';
import { registerJob, type JobProducer } from '../../src/jobs/register-job.js';

const sendWelcomeMail = defineJob({
  type: 'mail:send_welcome',
  payloadSchema: v.object({ to: v.pipe(v.string(), v.email()), name: v.string() }),
  delaySeconds: 0,
  maxRetry: 3,
  backoff: { type: 'fixed', delayMs: 1000 },
  createProcessor: () =>
    async function send(payload) {
      expectTypeOf(payload).toEqualTypeOf<{ to: string; name: string }>();
    },
});

type BothJobs = JobOf<typeof demoDelayPrint | typeof sendWelcomeMail>;
declare const bothProducer: JobProducer<BothJobs>;
declare const demoProducer: JobProducer<JobOf<typeof demoDelayPrint>>;
declare const idempotency: IdempotencyStore;
const newJobId = () => 'id';

describe('the typed job registry', () => {
  it('infers the literal name and the payload of a definition', () => {
    expectTypeOf(sendWelcomeMail.type).toEqualTypeOf<'mail:send_welcome'>();
    expectTypeOf<PayloadOf<typeof sendWelcomeMail>>().toEqualTypeOf<{ to: string; name: string }>();
    expectTypeOf<PayloadOf<typeof demoDelayPrint>>().toEqualTypeOf<{ message: string }>();
  });

  it('registers a job with its own payload type', () => {
    void registerJob({ producer: bothProducer, newJobId }, sendWelcomeMail, { payload: { to: 'a@b.c', name: 'A' } });
    void registerJob({ producer: bothProducer, newJobId }, demoDelayPrint, { payload: { message: 'hi' } });
  });

  it("refuses another type's payload", () => {
    // @ts-expect-error: a demo:delay_print payload is not a mail:send_welcome payload
    void registerJob({ producer: bothProducer, newJobId }, sendWelcomeMail, { payload: { message: 'hi' } });
    const mailDeps = { producer: bothProducer, idempotency };
    const scope = { scope: 's', key: 'k' };
    // @ts-expect-error: the same through Idempotency-Key registration
    void registerJobIdempotently(mailDeps, sendWelcomeMail, { payload: { message: 'hi' } }, scope);
  });

  it('refuses a job type the producer (its registry) does not run', () => {
    // @ts-expect-error: a queue (registry) that runs demo:delay_print only
    void registerJob({ producer: demoProducer, newJobId }, sendWelcomeMail, { payload: { to: 'a@b.c', name: 'A' } });
  });

  it("narrows a job's data by its name", () => {
    const handle = (job: BothJobs) => {
      if (job.name === 'mail:send_welcome') expectTypeOf(job.data).toEqualTypeOf<{ to: string; name: string }>();
      else expectTypeOf(job.data).toEqualTypeOf<{ message: string }>();
    };
    expectTypeOf(handle).parameter(0).toHaveProperty('name').toEqualTypeOf<'demo:delay_print' | 'mail:send_welcome'>();
  });

  it('pairs name and data in what a producer stores', () => {
    const enqueue = bothProducer.enqueue;
    const timing = { jobId: 'id', delayMs: 0, attempts: 1, backoff: { type: 'fixed', delayMs: 1 } } as const;
    void enqueue({ ...timing, name: 'mail:send_welcome', data: { to: 'a@b.c', name: 'A' } });
    // @ts-expect-error: a name with another job type's data
    void enqueue({ ...timing, name: 'mail:send_welcome', data: { message: 'hi' } });
  });
});
