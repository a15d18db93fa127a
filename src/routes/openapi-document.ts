import type { Hono } from 'hono';
import { openAPIRouteHandler } from 'hono-openapi';

/**
 * The OpenAPI 3.1 document of `app`, generated from the routes' `describeRoute`
 * and the valibot schemas they validate with; only `/api/*` operations are in it.
 */
export function openApiDocument(app: Hono) {
  return openAPIRouteHandler(app, {
    documentation: {
      openapi: '3.1.0',
      info: {
        title: 'dm-jobqueue API',
        version: '0.1.0',
        description:
          'Registers delayed background jobs; a worker process runs them. Every /api/* call needs `Authorization: Bearer <API key>` ' +
          '(make one with `npm run api-key`). Errors are application/problem+json (RFC 9457).',
      },
      tags: [{ name: 'dm-jobqueue', description: 'The reference job queue' }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An API key from npm run api-key: a JWT (HS256) with scope read and/or write',
          },
        },
      },
    },
    exclude: [/^(?!\/api\/)/],
  });
}
