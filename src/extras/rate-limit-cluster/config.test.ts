import { describe, expect, it } from 'vitest';
import { configDir, failure, load } from '../../../test/helpers/config-files.js';

describe('the rate-limit-cluster extra: redis.default.cluster in cacheserver.yaml', () => {
  it('takes the nodes from the file or REDIS_DEFAULT_CLUSTER_ADDRS', () => {
    expect(load({}).extras?.['rate-limit-cluster']).toMatchObject({ cluster: { addrs: [] } });
    const config = load({ REDIS_DEFAULT_CLUSTER_ADDRS: 'a:7000, b:7001' });
    expect(config.extras?.['rate-limit-cluster']).toMatchObject({
      cluster: {
        addrs: [
          { host: 'a', port: 7000 },
          { host: 'b', port: 7001 },
        ],
      },
    });
  });

  it('refuses storage_type "redis" without cluster nodes, naming the key', () => {
    const error = failure(() => load({ RATE_LIMIT_STORAGE_TYPE: 'redis' }));
    expect(error.key).toBe('redis.default.cluster.addrs');
    expect(error.file).toMatch(/develop\/cacheserver\.yaml$/);
    expect(error.reason).toMatch(/storage_type is "redis"/);
  });

  it('accepts storage_type "redis" once nodes are configured', () => {
    const config = load({ RATE_LIMIT_STORAGE_TYPE: 'redis', REDIS_DEFAULT_CLUSTER_ADDRS: '127.0.0.1:7000' });
    expect(config.app.api.rate_limit.storage_type).toBe('redis');
  });

  it('names the file, key and reason for a bad address', () => {
    const cacheserver = 'redis: { jobqueue: { addr: "h:1" }, default: { cluster: { addrs: ["h:99999"] } } }';
    const error = failure(() => load({}, configDir({ cacheserver })));
    expect([error.key, error.reason]).toEqual([
      'redis.default.cluster.addrs.0',
      expect.stringMatching(/must be "host:port"/),
    ]);
    expect(error.file).toMatch(/develop\/cacheserver\.yaml$/);
  });
});
