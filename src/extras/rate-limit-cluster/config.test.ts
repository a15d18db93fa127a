import { describe, expect, it } from 'vitest';
import { failure, load } from '../../../test/helpers/config-files.js';

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
});
