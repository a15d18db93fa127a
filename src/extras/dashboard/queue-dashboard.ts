/** bull-board (an optional extra) on its own listener, away from the API's CORS, rate limit and keys. */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import type { BasicCredentials } from '../../infra/config/schema.js';
import { throttledBasicAuth } from '../../infra/http/basic-auth-throttle.js';
import { PROBLEM_TYPES, problemResponse } from '../../infra/http/problem.js';

export const DASHBOARD_PATH = '/admin/queues';

/** The dashboard's own requests (retry, promote, clean) carry tiny JSON bodies; nothing it accepts is larger. */
export const DASHBOARD_BODY_LIMIT_BYTES = 65_536;

/** bull-board's status tabs scroll out of sight at 1280 px ("DEL…"): let them wrap instead. */
const PAGE_STYLE = 'ul[class^="statusTabs-"]{flex-wrap:wrap;overflow:visible;mask-image:none}';

/** The page stays on its own origin. bull-board sets inline styles at run time (hence 'unsafe-inline' for styles); scripts run from here only. */
const self = ["'self'"];
const CSP = {
  ...{ defaultSrc: self, scriptSrc: self, styleSrc: [...self, "'unsafe-inline'"], imgSrc: [...self, 'data:'] },
  ...{
    fontSrc: self,
    connectSrc: self,
    objectSrc: ["'none'"],
    baseUri: self,
    formAction: self,
    frameAncestors: ["'none'"],
  },
};

/** bull-board's HTML links Google Fonts (another origin, on every load): drop it (system fonts apply), add PAGE_STYLE. */
const ownOriginPage: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.get('content-type')?.startsWith('text/html')) return;
  const html = (await c.res.text())
    .replace(/<link href="https:\/\/fonts\.googleapis\.com[^>]*>/g, '')
    .replace('</head>', `<style>${PAGE_STYLE}</style></head>`);
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  c.res = new Response(html, { status: c.res.status, headers });
};

/** Basic auth plus CSRF: the browser resends basic credentials itself, so another site must not reach its actions. */
export function createDashboardApp(options: { queue: Queue; credentials: BasicCredentials; readOnly: boolean }) {
  const { queue, credentials, readOnly } = options;
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: readOnly, allowRetries: !readOnly })],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'dm-jobqueue' } },
  });
  const tooLarge = { type: PROBLEM_TYPES.http, title: 'Content Too Large', status: 413 } as const;
  const detail = `The request body must be at most ${DASHBOARD_BODY_LIMIT_BYTES} bytes`;
  return new Hono()
    .use('*', throttledBasicAuth({ ...credentials, realm: 'dm-jobqueue admin' }))
    .use('*', csrf())
    .use('*', secureHeaders({ contentSecurityPolicy: CSP }))
    .use('*', ownOriginPage)
    .use(
      '*',
      bodyLimit({ maxSize: DASHBOARD_BODY_LIMIT_BYTES, onError: (c) => problemResponse(c, { ...tooLarge, detail }) }),
    )
    .get('/', (c) => c.redirect(DASHBOARD_PATH))
    .route(DASHBOARD_PATH, serverAdapter.registerPlugin());
}
