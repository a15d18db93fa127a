/**
 * Type tests (vitest --typecheck, part of `npm test`): the job registry guides the compiler.
 * A second job type, `mail:send_welcome`, is defined here as a user would add one.
 */
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { demoDelayPrint } from '../../src/jobs/demo-delay-print.js';
import { defineJob, type AnyJobDefinition, type JobOf, type PayloadOf } from '../../src/jobs/job.js';
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

// The holes a copier's second job type found (issue 28): each is refused by the compiler.
import type { Queue } from 'bullmq';
import type { LazyQueue } from '../../src/infra/queue/bullmq-queue.js';
import { runsOnlySome, type CoveringRegistry, type KnownJobDefinition } from '../../src/jobs/registry.js';
import { createWorkerService } from '../../src/worker.js';

declare const cond: boolean;
declare const options: Omit<Parameters<typeof createWorkerService>[0], 'definitions'>;

describe('what the compiler refuses', () => {
  it('(a) a union of definitions, whose payloads would pass for each other', () => {
    // @ts-expect-error: pass one job definition, not a union of them
    void registerJob({ producer: bothProducer, newJobId }, cond ? demoDelayPrint : sendWelcomeMail, {
      payload: { message: 'hi' },
    });
  });

  it('(b) a definition looked up at run time', () => {
    const definitions = [demoDelayPrint, sendWelcomeMail] as const;
    const found = definitions.find((definition) => definition.type === 'mail:send_welcome');
    // @ts-expect-error: possibly undefined, and a union
    void registerJob({ producer: bothProducer, newJobId }, found, { payload: { message: 'hi' } });
    // @ts-expect-error: still a union once undefined is ruled out
    void registerJob({ producer: bothProducer, newJobId }, found!, { payload: { message: 'hi' } });
  });

  it('(c) an explicit union type argument', () => {
    // @ts-expect-error: pass one job definition, not a union of them
    void registerJob<typeof demoDelayPrint | typeof sendWelcomeMail>({ producer: bothProducer }, demoDelayPrint, {
      payload: { message: 'hi' },
    });
  });

  it('(d) a worker that lacks a registered job type, unless it says it runs only some', () => {
    type MissingDemo = CoveringRegistry<typeof sendWelcomeMail>;
    expectTypeOf<MissingDemo>().toHaveProperty('runsOnlySome');
    expectTypeOf<CoveringRegistry<KnownJobDefinition>>().not.toHaveProperty('runsOnlySome');
    // @ts-expect-error: demo:delay_print is registered (the API stores it) but this worker would not run it
    void createWorkerService({ ...options, definitions: [sendWelcomeMail] });
    void createWorkerService({ ...options, definitions: runsOnlySome([sendWelcomeMail]) });
    const widened: AnyJobDefinition[] = [sendWelcomeMail];
    // @ts-expect-error: a widened list cannot be checked for coverage, so it must say runsOnlySome
    void createWorkerService({ ...options, definitions: widened });
    // @ts-expect-error: a worker with no job type at all
    void runsOnlySome([]);
    void createWorkerService({ ...options, definitions: [demoDelayPrint, sendWelcomeMail] });
  });

  it('(e) a transform: callers register the input, the processor gets the output, an output that is no input is refused', () => {
    const trimmed = defineJob({
      type: 'text:trimmed',
      payloadSchema: v.object({ text: v.pipe(v.string(), v.trim()) }),
      delaySeconds: 0,
      maxRetry: 0,
      backoff: { type: 'fixed', delayMs: 0 },
      createProcessor: () => async (payload) => {
        expectTypeOf(payload).toEqualTypeOf<{ text: string }>();
      },
    });
    const counted = v.object({
      tags: v.pipe(
        v.string(),
        v.transform((text) => text.split(',')),
      ),
    });
    defineJob({
      type: 'text:tags',
      // @ts-expect-error: the worker parses the stored output again, and a string[] is no string
      payloadSchema: counted,
      delaySeconds: 0,
      maxRetry: 0,
      backoff: { type: 'fixed', delayMs: 0 },
      createProcessor: () => async () => undefined,
    });
    const defaulted = defineJob({
      type: 'text:defaulted',
      payloadSchema: v.object({ text: v.optional(v.string(), 'none') }),
      delaySeconds: 0,
      maxRetry: 0,
      backoff: { type: 'fixed', delayMs: 0 },
      createProcessor: () => async (payload) => {
        expectTypeOf(payload).toEqualTypeOf<{ text: string }>();
      },
    });
    const producer = {} as JobProducer<JobOf<typeof trimmed | typeof defaulted>>;
    // The input may leave out what the schema fills in; the processor always gets it.
    void registerJob({ producer }, defaulted, { payload: {} });
    void registerJob({ producer }, trimmed, { payload: { text: ' hi ' } });
    // @ts-expect-error: a number is not the text input
    void registerJob({ producer }, trimmed, { payload: { text: 1 } });
  });

  it('(f) the queue behind the port takes only registered names', () => {
    const queue = {} as LazyQueue;
    // @ts-expect-error: not a registered job type
    void queue.current().add('anything', { message: 'hi' });
    void queue.current().add('demo:delay_print', { message: 'hi' });
    const both = {} as LazyQueue<BothJobs>;
    // @ts-expect-error: one job type's name with another's data
    void both.current().add('mail:send_welcome', { message: 'hi' });
    void both.current().add('mail:send_welcome', { to: 'a@b.c', name: 'A' });
    expectTypeOf(queue.current()).not.toEqualTypeOf<Queue>();
  });
});
