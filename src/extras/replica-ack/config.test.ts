import { describe, expect, it } from 'vitest';
import { configDir, failure, load } from '../../../test/helpers/config-files.js';

const cacheserver = (ack: string, commandTimeoutMs = 1000) =>
  `redis: { jobqueue: { addr: "h:1", command_timeout_ms: ${commandTimeoutMs} }, replica_ack: ${ack} }`;

describe('the replica-ack extra: redis.replica_ack in cacheserver.yaml', () => {
  it('is off (0 replicas) unless set, from the file or REDIS_JOBQUEUE_ACK_*', () => {
    expect(load({}).extras?.['replica-ack']).toEqual({ replicas: 0, timeout_ms: 500 });
    const config = load({ REDIS_JOBQUEUE_ACK_REPLICAS: '1', REDIS_JOBQUEUE_ACK_TIMEOUT_MS: '300' });
    expect(config.extras?.['replica-ack']).toEqual({ replicas: 1, timeout_ms: 300 });
    const dir = configDir({ cacheserver: cacheserver('{ replicas: 2 }') });
    expect(load({}, dir).extras?.['replica-ack']).toEqual({ replicas: 2, timeout_ms: 500 });
  });

  it.for([
    [
      'an ack timeout the command timeout would cut',
      '{ replicas: 1, timeout_ms: 1000 }',
      'redis.replica_ack.timeout_ms',
      /less than redis\.jobqueue\.command_timeout_ms/,
    ],
    ['too many replicas', '{ replicas: 11 }', 'redis.replica_ack.replicas', /Invalid value|Expected <=10/],
    ['a misspelt key', '{ replica: 1 }', 'redis.replica_ack.replica', /Invalid key/],
  ] as const)('names the key for %s', ([, ack, key, reason]) => {
    const error = failure(() => load({}, configDir({ cacheserver: cacheserver(ack) })));
    expect(error.file).toMatch(/develop\/cacheserver\.yaml$/);
    expect([error.key, error.reason]).toEqual([key, expect.stringMatching(reason)]);
  });

  it('names the variable when it set the bad value', () => {
    const error = failure(() => load({ REDIS_JOBQUEUE_ACK_REPLICAS: '11' }));
    expect(error.reason).toContain('(the value comes from REDIS_JOBQUEUE_ACK_REPLICAS)');
  });
});
