import { loadConfig } from '../../src/infra/config/load-config.js';
import type { AppConfig, Config } from '../../src/infra/config/schema.js';

/** The shipped test configuration with the rate-limit settings replaced. */
export function configWithRateLimit(
  rateLimit: Partial<AppConfig['api']['rate_limit']>,
  clusterAddrs: string[] = [],
): Config {
  // CONFIG_DIR: the compiled bench runs from bench/.build/, away from config/.
  const config = loadConfig({ environment: { APP_ENV: 'test', CONFIG_DIR: process.env.CONFIG_DIR }, dotenv: false });
  config.app.api.rate_limit = { ...config.app.api.rate_limit, ...rateLimit };
  config.cache.redis.default.cluster.addrs = clusterAddrs.map((addr) => {
    const [host = '', port = '0'] = addr.split(':');
    return { host, port: Number(port) };
  });
  return config;
}
