import { createApp, type AppDeps } from '../../src/app.js';
import { createSilentLogger } from '../../src/infra/log.js';
import { createFakeProducer } from '../fakes/fake-producer.js';
import { createFakeJobStore } from '../fakes/fake-job-store.js';
import { TEST_AUTH } from './api-keys.js';

/**
 * createApp with fakes for whatever `deps` leaves out: the test's API key
 * settings, a fake producer and job store, a silent logger and a 1 KiB body limit.
 */
export function createTestApp(deps: Partial<AppDeps> = {}) {
  const producer = deps.producer ?? createFakeProducer();
  return createApp({
    auth: TEST_AUTH,
    jobStore: createFakeJobStore(),
    logger: createSilentLogger(),
    bodyLimitBytes: 1024,
    ...deps,
    producer,
  });
}
