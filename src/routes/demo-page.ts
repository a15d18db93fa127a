import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * `public/dm-jobqueue/` of the project: `src/routes/` (tsx, tests) and
 * `dist/routes/` (`npm run start:api`) are both two levels below the root.
 */
export const DEMO_PAGE_DIR = fileURLToPath(new URL('../../public/dm-jobqueue/', import.meta.url));

const CONTENT_TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
} as const;

/** Only plain file names of the page's own scripts and styles: no paths, no dot files. */
const ASSET_NAME = /^[a-z][a-z0-9-]*\.(?:js|css)$/;

// Same-origin only: no inline script or style, so injected markup cannot run.
const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    connectSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: 'no-referrer',
});

async function readAsset(dir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(dir, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The demo page (D12): `GET /dm-jobqueue` and its scripts and styles, plain
 * files read per request (no build step; edits show on reload), and `GET /`
 * redirecting to it. Mounted at `/`.
 * @example app.route('/', createDemoPageRoutes());
 */
export function createDemoPageRoutes({ dir = DEMO_PAGE_DIR }: { dir?: string } = {}) {
  return new Hono()
    .get('/', (c) => c.redirect('/dm-jobqueue'))
    .use('/dm-jobqueue', pageHeaders)
    .use('/dm-jobqueue/*', pageHeaders)
    .get('/dm-jobqueue', async (c) => {
      const html = await readAsset(dir, 'index.html');
      if (html === undefined) throw new Error(`the demo page is missing: ${path.join(dir, 'index.html')}`);
      c.header('Cache-Control', 'no-cache');
      return c.body(html, 200, { 'Content-Type': CONTENT_TYPES.html });
    })
    .get('/dm-jobqueue/:asset', async (c) => {
      const name = c.req.param('asset');
      const text = ASSET_NAME.test(name) ? await readAsset(dir, name) : undefined;
      if (text === undefined) return c.notFound();
      c.header('Cache-Control', 'no-cache');
      return c.body(text, 200, { 'Content-Type': CONTENT_TYPES[name.endsWith('.css') ? 'css' : 'js'] });
    });
}
