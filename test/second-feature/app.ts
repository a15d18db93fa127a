/** The reference app with the second feature mounted beside it, as its line in `apiEndpoints` would. */
import { apiEndpoints, type AppDeps } from '../../src/app.js';
import type { AnyJob } from '../../src/jobs/job.js';
import type { JobProducer } from '../../src/jobs/register-job.js';
import { createTestApp } from '../helpers/test-app.js';
import { createMailRoutes } from './mail.js';

/** `createTestApp` with `/api/mail` mounted; `producer` stores both features' jobs. */
export function createAppWithMail(producer: JobProducer<AnyJob>, deps: Partial<AppDeps> = {}) {
  const mail = { path: '/api/mail', routes: (app: AppDeps) => createMailRoutes({ ...app, producer }) } as const;
  return createTestApp({ ...deps, producer, endpoints: [...apiEndpoints, mail] });
}
