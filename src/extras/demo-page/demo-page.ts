import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { samePageHeaders } from '../../routes/api-docs.js';

/** `public/dm-jobqueue/`: `src/extras/demo-page/` (tsx, tests) and `dist/extras/demo-page/` are three levels below the project. */
export const DEMO_PAGE_DIR = fileURLToPath(new URL('../../../public/dm-jobqueue/', import.meta.url));

const pageHeaders = samePageHeaders();

/** `GET /dm-jobqueue` and its plain files (no build step; edits show on reload); `GET /` redirects to it. */
export function createDemoPageRoutes({ dir = DEMO_PAGE_DIR }: { dir?: string } = {}) {
  const files = serveStatic({ root: dir, rewriteRequestPath: (path) => path.replace(/^\/dm-jobqueue\/?/, '/') });
  return new Hono()
    .get('/', (c) => c.redirect('/dm-jobqueue'))
    .use('/dm-jobqueue', pageHeaders)
    .use('/dm-jobqueue/*', pageHeaders)
    .use('/dm-jobqueue/*', async (c, next) => {
      await next();
      c.header('Cache-Control', 'no-cache');
    })
    .get('/dm-jobqueue', files)
    .get('/dm-jobqueue/*', files);
}
