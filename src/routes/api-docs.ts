import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { generateSpecs, resolver } from 'hono-openapi';
import { secureHeaders } from 'hono/secure-headers';
import * as v from 'valibot';
import { ProblemSchema } from '../infra/http/problem.js';

/** swagger-ui-dist's folder, found without loading its browser bundle into Node. */
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const SWAGGER_UI_FILES = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
]);

const DOCS_PAGE_DIR = fileURLToPath(new URL('../../public/docs/', import.meta.url));

/** Secure headers for a same-origin page with no inline script; `extra` widens single directives. */
export function samePageHeaders(extra: { styleSrc?: string[]; fontSrc?: string[] } = {}) {
  const self = ["'self'"];
  return secureHeaders({
    contentSecurityPolicy: {
      ...{ defaultSrc: ["'none'"], scriptSrc: self, styleSrc: self, connectSrc: self, imgSrc: [...self, 'data:'] },
      ...{ baseUri: ["'none'"], formAction: self, frameAncestors: ["'none'"], ...extra },
    },
    referrerPolicy: 'no-referrer',
  });
}

// Swagger UI sets inline styles and shows data: images; it fetches only /openapi.json and this API.
const docsHeaders = samePageHeaders({ styleSrc: ["'self'", "'unsafe-inline'"], fontSrc: ["'self'"] });

const header = (type: 'integer' | 'string', description: string, is?: string[]) => ({
  description,
  schema: { type, enum: is },
});
const perWindow = (prefix: string, window: string) => ({
  [`${prefix}-Limit`]: header('integer', `Requests allowed per client IP per ${window} (while rate limiting is on)`),
  [`${prefix}-Remaining`]: header('integer', `Requests left in this ${window}`),
  [`${prefix}-Reset`]: header('integer', `When this ${window}'s count starts again (Unix time, seconds)`),
});
/** The response headers clients use: `components.headers`, referred to by `apiResponse`. */
const HEADERS = {
  'X-Request-Id': header('string', "This request's id, also in its log line (a caller's own X-Request-Id is kept)"),
  ...perWindow('X-RateLimit', 'minute'),
  ...perWindow('X-RateLimit-Hour', 'hour'),
  'Retry-After': header('integer', 'Seconds to wait before trying again'),
  'WWW-Authenticate': header('string', 'The Bearer challenge (RFC 6750): why the key was refused, or the scope needed'),
  'Idempotent-Replayed': header('string', 'An answer to an earlier request with the same Idempotency-Key', ['true']),
};
const EVERY_ANSWER = Object.keys(HEADERS).filter((name) => name.startsWith('X-'));
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** `schema` as `#/components/schemas/{ref}` (hono-openapi's valibot converter reads metadata `ref`). */
export const named = <S extends v.GenericSchema>(ref: string, schema: S) => v.pipe(schema, v.metadata({ ref }));

/** For `describeRoute`: with `headers` and those every /api/* answer carries (X-Request-Id, X-RateLimit-*). */
export const apiResponse = <C extends object>(description: string, content?: C, ...headers: string[]) => ({
  description,
  headers: Object.fromEntries([...EVERY_ANSWER, ...headers].map((name) => [name, headerRef(name)])),
  ...(content && { content }),
});

const NamedProblem = named('Problem', ProblemSchema);
const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

export const problemAnswer = (description: string, ...headers: string[]) =>
  apiResponse(description, PROBLEM_CONTENT, ...headers);

const EVERY_OPERATION = {
  401: problemAnswer('No API key, or a malformed, forged, expired, revoked or other-APP_ENV one', 'WWW-Authenticate'),
  403: problemAnswer('The API key lacks the scope this operation needs', 'WWW-Authenticate'),
  429: problemAnswer('Rate limited (per client IP, per minute and per hour)', 'Retry-After'),
  500: problemAnswer('An unexpected error; its details are only in the log, under the X-Request-Id'),
  503: problemAnswer(
    'Job queue service is unavailable: Redis is not connected (or did not answer in time)',
    'Retry-After',
  ),
};
const WITH_BODY = {
  413: problemAnswer('Body larger than server.body_limit_bytes'),
  415: problemAnswer('A body that is not application/json'),
};
/** A refused body or parameter: the 400 hono-openapi adds to every operation with a validator. */
const INVALID = problemAnswer('Invalid request: errors names each field and why');

/** The document hono-openapi builds (its types come from openapi-types, which is not ours to import). */
type ApiDocument = Awaited<ReturnType<typeof generateSpecs>>;
type Operation = NonNullable<NonNullable<ApiDocument['paths']>[string]>['get'];

/** Bearer security with the scope bearerAuth needs, and the shared problem answers; a route's own wins. */
function withApiDefaults(document: ApiDocument): ApiDocument {
  const used = new Set<string>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation: Operation = item?.[method];
      for (const tag of operation?.tags ?? []) used.add(tag);
      if (!operation || !path.startsWith('/api/')) continue;
      const scope = method === 'get' ? 'read' : 'write';
      operation.security ??= [{ bearerAuth: [scope] }];
      const shared = { ...EVERY_OPERATION, ...(method === 'get' ? {} : WITH_BODY) };
      // Integer-like keys keep ascending order in JSON, whichever side they came from.
      operation.responses = { ...shared, ...operation.responses };
    }
  }
  // A tag an operation names is declared if the document does not list it yet (list yours in `tags` below to describe it).
  const declared = new Set((document.tags ?? []).map((tag) => tag.name));
  const missing = [...used].filter((name) => !declared.has(name));
  const described = missing.map((name) => ({ name, description: `The ${name} endpoints` }));
  if (missing.length > 0) document.tags = [...(document.tags ?? []), ...described];
  return document;
}

const description =
  'Registers delayed background jobs; a worker process runs them. Every /api/* call needs `Authorization: Bearer <API key>` ' +
  '(make one with `npm run api-key`). Errors are application/problem+json (RFC 9457).';
const apiKeyDescription = 'An API key from npm run api-key: a JWT (HS256) with scope read and/or write';

export function createApiDocsRoutes(app: Hono) {
  let document: Promise<ApiDocument> | undefined;
  const build = async () => {
    const problem = await resolver(NamedProblem).toOpenAPISchema();
    const spec = await generateSpecs(app, {
      documentation: {
        openapi: '3.1.0',
        info: { title: 'dm-jobqueue API', version: '0.1.0', license: { name: 'MIT', identifier: 'MIT' }, description },
        tags: [{ name: 'dm-jobqueue', description: 'The reference job queue' }],
        // Relative: the server that served this document, wherever it is deployed.
        servers: [{ url: '/', description: 'This server' }],
        components: {
          headers: HEADERS,
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: apiKeyDescription },
          },
          schemas: { ...problem.components?.schemas },
        },
      },
      exclude: [/^(?!\/api\/)/],
      defaultValidationErrorResponse: INVALID,
    });
    return withApiDefaults(spec);
  };
  const swaggerUi = serveStatic({ root: SWAGGER_UI_DIR, rewriteRequestPath: (file) => file.replace(/^\/docs/, '') });
  const page = serveStatic({ root: DOCS_PAGE_DIR, rewriteRequestPath: (file) => file.replace(/^\/docs\/?/, '/') });
  return (
    new Hono()
      .get('/openapi.json', async (c) => {
        // A failed build is not kept: the next request tries again.
        document ??= build().catch((error: unknown) => {
          document = undefined;
          throw error;
        });
        return c.json(await document);
      })
      .use('/docs', docsHeaders)
      .use('/docs/*', docsHeaders)
      .get('/docs', page)
      // One route for both folders: a static path beside a parameter would cost every request Hono's faster router.
      .get('/docs/:file', async (c, next) => {
        if (c.req.param('file') === 'init.js') return page(c, next);
        if (!SWAGGER_UI_FILES.has(c.req.param('file'))) return c.notFound();
        c.header('Cache-Control', 'public, max-age=3600');
        return swaggerUi(c, next);
      })
  );
}
