/**
 * The second job type, written as docs/make-it-yours.md shows ("Add a job type"): in a service
 * it is src/jobs/send-welcome-mail.ts, listed in src/jobs/registry.ts.
 */
import * as v from 'valibot';
import { defineJob } from '../../src/jobs/job.js';

export const sendWelcomeMail = defineJob({
  type: 'mail:send_welcome',
  payloadSchema: v.strictObject({
    to: v.pipe(v.string(), v.trim(), v.email('must be an e-mail address')),
    name: v.pipe(v.string(), v.trim(), v.nonEmpty('must not be empty')),
  }),
  delaySeconds: 60, // the first run a minute after registration, unless the caller says otherwise
  maxRetry: 4, // retries after a failed run: 4 retries = 5 attempts in all
  backoff: { type: 'exponential', delayMs: 10_000, jitter: 0.2 }, // 10 s, 20 s, 40 s, 80 s
  createProcessor: ({ logger, print }) =>
    async function sendWelcome({ to, name }, { attempt }) {
      logger.info({ to, attempt }, 'sending the welcome mail');
      // Throw to retry (after the backoff); throw BullMQ's UnrecoverableError to fail for good.
      print(`welcome mail to ${name} <${to}>`);
    },
});
