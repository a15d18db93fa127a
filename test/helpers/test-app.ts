import { createApp, type AppDeps } from '../../src/app.js';
import { createSilentLogger } from '../../src/infra/log.js';
import { createFakeIdempotencyStore } from '../fakes/fake-idempotency-store.js';
import { createFakeProducer } from '../fakes/fake-producer.js';
import { createFakeStatusReader } from '../fakes/fake-status-reader.js';
import { TEST_AUTH } from './api-keys.js';

/**
 * createApp with fakes for whatever `deps` leaves out: the test's API key
 * settings, a fake producer, status reader and idempotency store (which reads
 * back the fake producer's jobs), a silent logger and a 1 KiB body limit.
 */
export function createTestApp(deps: Partial<AppDeps> = {}) {
  const producer = deps.producer ?? createFakeProducer();
  // A fake producer's jobs can be read back; any other producer's cannot.
  const lookup = 'find' in producer ? (producer as ReturnType<typeof createFakeProducer>).find : undefined;
  return createApp({
    auth: TEST_AUTH,
    statusReader: createFakeStatusReader(),
    idempotency: createFakeIdempotencyStore(lookup),
    logger: createSilentLogger(),
    bodyLimitBytes: 1024,
    ...deps,
    producer,
  });
}
