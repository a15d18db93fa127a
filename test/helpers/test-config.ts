import { loadConfig } from '../../src/infra/config/load-config.js';
import type { AppConfig, Config } from '../../src/infra/config/schema.js';

/** The shipped test configuration with the rate-limit settings replaced. */
export function configWithRateLimit(
  rateLimit: Partial<AppConfig['api']['rate_limit']>,
  clusterAddrs: string[] = [],
): Config {
  // CONFIG_DIR: the compiled bench runs from bench/.build/, away from config/.
  const environment = {
    APP_ENV: 'test',
    CONFIG_DIR: process.env.CONFIG_DIR,
    // Read by the rate-limit-cluster extra (src/extras/rate-limit-cluster), which owns that setting.
    REDIS_DEFAULT_CLUSTER_ADDRS: clusterAddrs.join(','),
    ...(rateLimit.storage_type ? { RATE_LIMIT_STORAGE_TYPE: rateLimit.storage_type } : {}),
  };
  const config = loadConfig({ environment, dotenv: false });
  config.app.api.rate_limit = { ...config.app.api.rate_limit, ...rateLimit };
  return config;
}
