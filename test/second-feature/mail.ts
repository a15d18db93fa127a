/**
 * The second endpoint, written as docs/make-it-yours.md shows ("Add an endpoint"): in a service it
 * is src/routes/mail.ts, mounted by a line in `apiEndpoints` (src/app.ts).
 */
import { Hono } from 'hono';
import { resolver } from 'hono-openapi';
import * as v from 'valibot';
import type { JobOf } from '../../src/jobs/job.js';
import { apiResponse, named } from '../../src/routes/api-docs.js';
import {
  describeRegistration,
  registerForRequest,
  registrationBody,
  type RegistrationDeps,
} from '../../src/routes/registration.js';
import { sendWelcomeMail } from './send-welcome-mail.js';

const WelcomeRequestSchema = v.strictObject({ to: v.string(), name: v.string() });
const WelcomeResponseSchema = v.object({ job_id: v.string(), run_at: v.string() });

// In a service the registry lists mail:send_welcome and this is plain `RegistrationDeps`; a test
// cannot add to src/jobs/registry.ts, so it names the job type it registers.
type MailDeps = RegistrationDeps<JobOf<typeof sendWelcomeMail>>;

export function createMailRoutes(deps: MailDeps) {
  return new Hono().post(
    '/welcome',
    registrationBody(WelcomeRequestSchema, deps, sendWelcomeMail),
    describeRegistration(deps, {
      operationId: 'sendWelcomeMail',
      tags: ['mail'],
      summary: 'Send the welcome mail',
      responses: {
        201: apiResponse('Registered', {
          'application/json': { schema: resolver(named('WelcomeResponse', WelcomeResponseSchema)) },
        }),
      },
    }),
    async (c) => {
      const { to, name } = c.req.valid('json');
      const job = await registerForRequest(c, deps, sendWelcomeMail, { payload: { to, name } });
      return c.json({ job_id: job.jobId, run_at: job.runAt.toISOString() }, 201);
    },
  );
}
