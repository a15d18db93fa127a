/** The queue dashboard (bull-board) on a listener of its own, on only with ADMIN_USER and ADMIN_PASSWORD. */
import * as v from 'valibot';
import { basicCredentials, ConfigError, Port } from '../../infra/config/schema.js';
import { startHttpServer, type RunningServer } from '../../infra/http/serve.js';
import { createFailFastQueue, queueLocation, type FailFastQueue } from '../../infra/queue/bullmq-queue.js';
import { defineExtra } from '../extra.js';

const AdminSchema = v.optional(
  v.strictObject({
    host: v.optional(v.pipe(v.string(), v.nonEmpty()), '127.0.0.1'),
    port: v.optional(Port, 8083),
    read_only: v.optional(v.boolean(), false),
  }),
  {},
);

export const dashboard = defineExtra({
  name: 'dashboard',
  owns: { file: 'config', key: 'admin', schema: AdminSchema },
  env: { ADMIN_HOST: ['admin.host'], ADMIN_PORT: ['admin.port', 'number'] },
  settings({ section, environment }) {
    const credentials = basicCredentials(environment, 'ADMIN', 'the queue dashboard');
    // The scrape login sits in every Prometheus config: it must not open the dashboard too.
    if (credentials && credentials.password === environment.METRICS_PASSWORD)
      throw new ConfigError('METRICS_PASSWORD', '', 'must differ from ADMIN_PASSWORD: it must not open the dashboard');
    return { ...section, credentials };
  },
  api({ config, logger, settings }) {
    const { credentials, host, port, read_only: readOnly } = settings;
    if (!credentials) return void logger.info('the queue dashboard is off: set ADMIN_USER and ADMIN_PASSWORD');
    let running: { server: RunningServer; queue: FailFastQueue } | undefined;
    return {
      async start() {
        // Loaded only when on: bull-board's import is a large share of a cold start.
        const { createDashboardApp, DASHBOARD_PATH } = await import('./queue-dashboard.js');
        const location = queueLocation(config.app.jobqueue);
        const queue = createFailFastQueue(location, config.cache.redis.jobqueue, logger, 'dashboard');
        const app = createDashboardApp({ queue: queue.queue, credentials, readOnly });
        const setting = `ADMIN_PORT (admin.port in config/${config.env}/config.yaml)`;
        const server = await startHttpServer(app, { host, port, setting }).catch(async (error: unknown) => {
          await queue.close();
          throw error;
        });
        running = { server, queue };
        logger.info({ readOnly }, `queue dashboard on http://${host}:${server.port}${DASHBOARD_PATH}`);
      },
      async stop() {
        await running?.server.close();
        await running?.queue.close().catch(() => undefined);
      },
    };
  },
});
