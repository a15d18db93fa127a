/** Rate-limit counters in a Redis Cluster (`redis.default.cluster` in cacheserver.yaml), shared by every API process. */
import { ConfigError } from '../../infra/config/schema.js';
import { defineExtra } from '../extra.js';
import { clusterStoreFromConfig, ClusterSchema } from './cluster-store.js';

export const rateLimitCluster = defineExtra({
  name: 'rate-limit-cluster',
  owns: { file: 'cacheserver', key: 'default', schema: ClusterSchema },
  env: {
    REDIS_DEFAULT_CLUSTER_ADDRS: ['redis.default.cluster.addrs', 'list'],
    REDIS_DEFAULT_CLUSTER_PASSWORD: ['redis.default.cluster.password'],
  },
  settings({ section: settings, file, config }) {
    const { enabled, storage_type: storageType } = config.app.api.rate_limit;
    // "redis" without nodes cannot work: say so at start-up, not at the first request.
    if (enabled && storageType === 'redis' && settings.cluster.addrs.length === 0) {
      const reason =
        'must list at least one node when api.rate_limit.storage_type is "redis" (config.yaml); use "auto" or "memory" to run without a cluster';
      throw new ConfigError(file.split(': ')[0] ?? file, 'redis.default.cluster.addrs', reason);
    }
    return settings;
  },
  api({ config, logger, settings }) {
    const cluster = clusterStoreFromConfig(config.app.api.rate_limit, settings.cluster, logger);
    return cluster && { rateLimitStore: cluster, stop: cluster.close };
  },
});
