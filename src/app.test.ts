import type { SmartRouter } from 'hono/router/smart-router';
import { describe, expect, it } from 'vitest';
import { TEST_API_SECRET } from '../test/helpers/api-keys.js';
import { loadConfig } from './infra/config/load-config.js';
import { createSilentLogger } from './infra/log.js';
import { createApi } from './server.js';

describe('the API app', () => {
  // A static path beside a parameter at one level (`/x/a.js` and `/x/:file`) makes Hono fall back to its
  // slower TrieRouter for every request: give such a pair one route (src/routes/api-docs.ts does).
  it("routes every request through Hono's RegExpRouter, the extras' routes included", async () => {
    const environment = {
      APP_ENV: 'test',
      API_SECRET_KEY: TEST_API_SECRET,
      METRICS_USER: 'scraper',
      METRICS_PASSWORD: 'a metrics password for the test',
    };
    const api = createApi({ config: loadConfig({ environment, dotenv: false }), logger: createSilentLogger() });
    try {
      await api.app.request('/health');
      expect((api.app.router as SmartRouter<unknown>).activeRouter.name).toBe('RegExpRouter');
    } finally {
      await api.close();
    }
  });
});
