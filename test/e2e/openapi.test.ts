import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/node-process.js';
import { waitFor } from '../../scripts/lib/wait-for.js';
import { AUTH_HEADERS, testKey } from '../helpers/api-keys.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack, type Stack } from '../helpers/stack.js';

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object>; headers: Record<string, object> };
};

const REDOCLY = path.join(PROJECT_ROOT, 'node_modules/.bin/redocly');

describe('the OpenAPI document of the running API', () => {
  let redis: RedisServer;
  let stack: Stack;
  let document: OpenApiDocument;
  // strict off: OpenAPI adds keywords (example) that are not JSON Schema's.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('date-time', (text: string) => !Number.isNaN(Date.parse(text)) && /^\d{4}-\d\d-\d\dT/.test(text));

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startStack(redis, 'openapi');
    document = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.destroy();
  });

  /** Checks a real answer against the schema the document gives for its operation, status and media type. */
  async function expectDocumented(path: string, method: string, response: Response): Promise<unknown> {
    const operation = document.paths[path]?.[method];
    expect(operation, `${method} ${path} is documented`).toBeDefined();
    const documented = operation?.responses[String(response.status)];
    expect(documented, `${method} ${path} documents ${response.status}`).toBeDefined();
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0] ?? '';
    const schema = documented?.content?.[mediaType]?.schema;
    expect(schema, `${method} ${path} ${response.status} documents ${mediaType}`).toBeDefined();
    const body: unknown = await response.json();
    // The schemas are $refs into components: compile them with the document's components beside them.
    const validate = ajv.compile({ ...schema, components: document.components });
    expect(validate(body), JSON.stringify({ body, errors: validate.errors })).toBe(true);
    return body;
  }

  it('is a valid OpenAPI 3.1 document with both operations, their ids, tags, bearer security and every status', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    // Contains, not equals: a service that adds endpoints keeps this test.
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/dm-jobqueue/jobs/{id}', '/api/dm-jobqueue/register']),
    );
    const register = document.paths['/api/dm-jobqueue/register']?.post as Operation & {
      security: unknown;
      requestBody: { required: boolean };
      parameters?: { name: string; in: string }[];
    };
    expect(register.operationId).toBe('registerJob');
    expect(register.security).toEqual([{ bearerAuth: ['write'] }]);
    expect(register.requestBody.required).toBe(false);
    expect(register.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`)).toEqual([
      'header:Idempotency-Key',
    ]);
    expect(Object.keys(register.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '422',
      '429',
      '500',
      '503',
    ]);
    const status = document.paths['/api/dm-jobqueue/jobs/{id}']?.get as Operation;
    expect(status.operationId).toBe('getJobStatus');
    expect(Object.keys(status.responses).sort()).toEqual(['200', '401', '403', '404', '429', '500', '503']);
  });

  it("passes Redocly CLI's recommended ruleset with no error and no warning", async () => {
    // The live document, fetched by Redocly itself; telemetry off: a test sends nothing away.
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    const args = ['lint', `${stack.baseUrl}/openapi.json`, '--extends=recommended', '--format=json'];
    const { stdout } = await promisify(execFile)(REDOCLY, args, { env }).catch((failed: { stdout: string }) => failed);
    const report = JSON.parse(stdout) as { totals: object; problems: { ruleId: string; message: string }[] };
    expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  });

  it('names its schemas and declares the headers clients read, on the answers that carry them', () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['JobStatus', 'Problem', 'RegisterRequest', 'RegisterResponse']),
    );
    const register = document.paths['/api/dm-jobqueue/register']?.post as unknown as {
      requestBody: { content: Record<string, { schema: object }> };
      responses: Record<string, { headers: Record<string, { $ref: string }>; content: Record<string, object> }>;
    };
    expect(register.requestBody.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/RegisterRequest',
    });
    const headersOf = (status: string) =>
      Object.values(register.responses[status]?.headers ?? {}).map((header) => header.$ref.split('/').pop());
    for (const status of Object.keys(register.responses)) {
      expect(headersOf(status), status).toEqual(expect.arrayContaining(['X-Request-Id', 'X-RateLimit-Remaining']));
    }
    expect(headersOf('201')).toContain('Idempotent-Replayed');
    expect(headersOf('401')).toContain('WWW-Authenticate');
    expect(headersOf('403')).toContain('WWW-Authenticate');
    for (const status of ['409', '429', '503']) expect(headersOf(status), status).toContain('Retry-After');
    expect(register.responses['500']?.content).toEqual({
      'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
    });
  });

  it('carries the message rule the handler checks with a custom message (the converter would drop a plain check)', () => {
    const body = document.components.schemas.RegisterRequest as { properties: Record<string, { pattern?: string }> };
    const pattern = body.properties.message?.pattern ?? '';
    const printable = new RegExp(pattern, 'u');
    expect(printable.test('hello ｗｏｒｌｄ')).toBe(true);
    expect(printable.test('invoice\u202Efdp.exe')).toBe(false);
    expect(printable.test('line\nbreak')).toBe(false);
  });

  it('describes the real answers: 201, 200, 400, 401, 403, 404, 413, 415 and 503', async () => {
    const post = (body: string, headers: Record<string, string> = AUTH_HEADERS, contentType = 'application/json') =>
      fetch(`${stack.baseUrl}/api/dm-jobqueue/register`, {
        method: 'POST',
        headers: { ...headers, 'content-type': contentType },
        body,
      });
    const created = await waitFor(
      async () => {
        const response = await post('{"message":"documented","delay_seconds":60}');
        return response.status === 201 ? response : undefined;
      },
      { what: 'the API to reach Redis' },
    );
    const { job_id: jobId } = (await expectDocumented('/api/dm-jobqueue/register', 'post', created)) as {
      job_id: string;
    };
    const statusOf = (id: string, headers = AUTH_HEADERS) =>
      fetch(`${stack.baseUrl}/api/dm-jobqueue/jobs/${id}`, { headers });
    await expectDocumented('/api/dm-jobqueue/jobs/{id}', 'get', await statusOf(jobId));
    await expectDocumented('/api/dm-jobqueue/jobs/{id}', 'get', await statusOf('8a0b7d5e-1c2f-4a3b-9c4d-5e6f7a8b9c0d'));
    await expectDocumented('/api/dm-jobqueue/register', 'post', await post('{"delay_seconds":-1}'));
    await expectDocumented('/api/dm-jobqueue/register', 'post', await post('{}', {}));
    await expectDocumented(
      '/api/dm-jobqueue/register',
      'post',
      await post('{}', { authorization: `Bearer ${await testKey(['read'])}` }),
    );
    await expectDocumented(
      '/api/dm-jobqueue/register',
      'post',
      await post(JSON.stringify({ message: 'x'.repeat(20_000) })),
    );
    await expectDocumented(
      '/api/dm-jobqueue/register',
      'post',
      await post('message=hi', AUTH_HEADERS, 'application/x-www-form-urlencoded'),
    );
    await redis.stop('SIGKILL');
    const down = await waitFor(
      async () => {
        const response = await post('{}');
        return response.status === 503 ? response : undefined;
      },
      { what: 'a 503 with Redis down' },
    );
    await expectDocumented('/api/dm-jobqueue/register', 'post', down);
  });

  it('serves /docs and its assets from the package, with no other origin in the page', async () => {
    const page = await fetch(`${stack.baseUrl}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    for (const asset of [
      '/docs/swagger-ui-bundle.js',
      '/docs/swagger-ui-standalone-preset.js',
      '/docs/swagger-ui.css',
      '/docs/init.js',
    ]) {
      const response = await fetch(`${stack.baseUrl}${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(10);
    }
  });
});
