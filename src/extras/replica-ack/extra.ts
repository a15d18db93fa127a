/** `redis.replica_ack` in cacheserver.yaml: 201 only once WAIT confirms N replicas hold the job. */
import * as v from 'valibot';
import { ConfigError, NonNegativeInt, PositiveInt } from '../../infra/config/schema.js';
import { createLazyQueue, queueLocation } from '../../infra/queue/bullmq-queue.js';
import { defineExtra } from '../extra.js';
import { createReplicaAck } from './replica-ack.js';

const ReplicaAckSchema = v.optional(
  v.strictObject({
    /** Replicas WAIT must confirm before a registration is acknowledged: at most a handful. */
    replicas: v.optional(v.pipe(NonNegativeInt, v.maxValue(10)), 0),
    timeout_ms: v.optional(PositiveInt, 500),
  }),
  {},
);

export const replicaAck = defineExtra({
  name: 'replica-ack',
  owns: { file: 'cacheserver', key: 'replica_ack', schema: ReplicaAckSchema },
  env: {
    REDIS_JOBQUEUE_ACK_REPLICAS: ['redis.replica_ack.replicas', 'number'],
    REDIS_JOBQUEUE_ACK_TIMEOUT_MS: ['redis.replica_ack.timeout_ms', 'number'],
  },
  settings({ section: settings, file, config }) {
    const commandTimeoutMs = config.cache.redis.jobqueue.command_timeout_ms;
    if (settings.replicas > 0 && settings.timeout_ms >= commandTimeoutMs) {
      const [path = file, key] = file.split(': ');
      // The WAIT is a command: with a longer timeout the command would time out first.
      const reason = `must be less than redis.jobqueue.command_timeout_ms (${commandTimeoutMs})`;
      throw new ConfigError(path, `${key}.timeout_ms`, reason);
    }
    return settings;
  },
  api({ config, logger, settings: { replicas, timeout_ms: timeoutMs }, connect }) {
    if (replicas === 0) return undefined;
    // WAIT holds the connection it is sent on, so registrations are written on a client of their own.
    const client = connect();
    const location = queueLocation(config.app.jobqueue);
    const ack = createReplicaAck({ client, replicas, timeoutMs, location, logger });
    return {
      writes: { queue: createLazyQueue({ client, location, logger }), ...ack },
      isReady: () => client.status === 'ready',
    };
  },
});
