import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono, type MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/** swagger-ui-dist's folder, found without loading its browser bundle into Node. */
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The UI's files served under /docs/: nothing comes from a CDN, so the page works offline. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>dm-jobqueue API</title>
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// A file of its own, not inline: the page's CSP allows scripts from this origin only.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

// Swagger UI sets inline styles and shows data: images; it fetches only /openapi.json and this API.
const docsHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: 'no-referrer',
});

const cache = new Map<string, Buffer>();

async function asset(name: string): Promise<Buffer> {
  let bytes = cache.get(name);
  if (!bytes) {
    bytes = await readFile(path.join(SWAGGER_UI_DIR, name));
    cache.set(name, bytes);
  }
  return bytes;
}

/**
 * `GET /openapi.json` (the document `openApiDocument` serves) and `GET /docs`,
 * Swagger UI from the swagger-ui-dist package. Mounted at `/`.
 * @example app.route('/', createApiDocsRoutes({ openApiDocument: openAPIRouteHandler(app, options) }));
 */
export function createApiDocsRoutes({ openApiDocument }: { openApiDocument: MiddlewareHandler }) {
  return new Hono()
    .get('/openapi.json', openApiDocument)
    .use('/docs', docsHeaders)
    .use('/docs/*', docsHeaders)
    .get('/docs', (c) => c.html(PAGE))
    .get('/docs/init.js', (c) => c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))
    .get('/docs/:asset', async (c) => {
      const name = c.req.param('asset');
      const type = ASSETS[name];
      if (!type) return c.notFound();
      c.header('Cache-Control', 'public, max-age=3600');
      return c.body(new Uint8Array(await asset(name)), 200, { 'Content-Type': type });
    });
}
