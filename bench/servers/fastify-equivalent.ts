/**
 * The register endpoint as a Fastify user would build it from the framework's standard plugins, doing the work
 * ours does (bench/sections/equivalence.ts checks that both answer alike): CORS (@fastify/cors), two rate-limit
 * windows in memory (@fastify/rate-limit's createRateLimit), the same HS256 API keys (@fastify/jwt), a JSON-schema
 * body with the same bounds plus the date-time rules, strict UTF-8 JSON, problem+json answers, request ids, one log
 * line per refused request, the same Prometheus metrics (prom-client), Idempotency-Key, then `queue.add`.
 */
import cors from '@fastify/cors';
import jwt from '@fastify/jwt';
import rateLimit from '@fastify/rate-limit';
import { Queue } from 'bullmq';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
// The same key id and idempotent job id as ours: their derivation is part of the contract, not Fastify's work.
import { idempotentJobId } from '../../src/extras/idempotency-key/idempotent-registration.js';
import { apiKeyId } from '../../src/infra/http/bearer-auth.js';
import { TEST_API_SECRET } from '../../test/helpers/api-keys.js';
import { announce, benchEnv, profileOnSignal } from './env.js';

const { port, redisPort, queueName } = benchEnv();
const LIMITS = {
  minute: Number(process.env.LIMIT_PER_MINUTE ?? 100_000_000),
  hour: Number(process.env.LIMIT_PER_HOUR ?? 1_000_000_000),
};
const METRICS_AUTH = `Basic ${Buffer.from(`${process.env.METRICS_USER ?? 'metrics'}:${process.env.METRICS_PASSWORD ?? 'bench-metrics-password'}`).toString('base64')}`;
const MAX_DELAY = 2_592_000;
const PROBLEM = 'application/problem+json; charset=utf-8';
const URN = 'urn:dm-jobqueue:problem:';

const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redisPort } });
const app = Fastify({
  logger: { level: 'info' },
  logController: new LogController({ disableRequestLogging: true }),
  // As Hono's requestId(): the caller's X-Request-Id when it looks like an id, else a UUID.
  requestIdHeader: false,
  genReqId: (req) => {
    const sent = req.headers['x-request-id'];
    return typeof sent === 'string' && sent.length <= 255 && /^[\w\-=]+$/.test(sent) ? sent : randomUUID();
  },
  bodyLimit: 16_384,
  // Refuse what the schema does not allow, as ours: no type coercion ("42" for 42), no silently dropped fields.
  ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
});

// Metrics as ours names them: requests and durations by route pattern, registrations by outcome.
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const httpRequests = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});
const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time to answer an HTTP request',
  labelNames: ['method', 'route'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
const registered = new Counter({
  name: 'dm_jobqueue_jobs_registered_total',
  help: 'Registration attempts',
  labelNames: ['job_type', 'outcome'],
  registers: [registry],
});
const timers = new WeakMap<FastifyRequest, (labels: Record<string, string>) => void>();

function problem(reply: FastifyReply, status: number, type: string, title: string, detail: string, extra: object = {}) {
  return reply
    .code(status)
    .type(PROBLEM)
    .send({ type, title, status, detail, ...extra });
}
const countRegistration = (outcome: 'stored' | 'replayed' | 'rejected') =>
  registered.inc({ job_type: 'demo:delay_print', outcome });
// As ours: a body refused by a field rule is a rejected registration.
const fieldErrors = (reply: FastifyReply, errors: { field: string; reason: string }[]) => {
  countRegistration('rejected');
  return problem(
    reply,
    400,
    `${URN}validation-error`,
    'Invalid request body',
    errors.map((e) => `${e.field}: ${e.reason}`).join('; '),
    { errors },
  );
};

app.addHook('onRequest', async (request, reply) => {
  timers.set(request, httpDuration.startTimer());
  reply.header('x-request-id', request.id);
});
app.addHook('onResponse', async (request, reply) => {
  const route = request.routeOptions.url ?? '/*';
  timers.get(request)?.({ method: request.method, route });
  httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
  if (reply.statusCode >= 400) {
    const entry = {
      requestId: request.id,
      method: request.method,
      path: request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    request.log.info(entry, 'request rejected');
  }
});

await app.register(cors, {
  origin: ['http://localhost:3000'],
  methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
  allowedHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key'],
  exposedHeaders: [
    'Location',
    'Retry-After',
    'Idempotent-Replayed',
    'X-Request-Id',
    ...['Limit', 'Remaining', 'Reset'].flatMap((n) => [`X-RateLimit-${n}`, `X-RateLimit-Hour-${n}`]),
  ],
  maxAge: 600,
});
await app.register(rateLimit, { global: false });
// The verified-token cache as @fastify/jwt's README recommends (ours has fast-jwt's, of the same size).
await app.register(jwt, {
  secret: TEST_API_SECRET,
  verify: { algorithms: ['HS256'], allowedIss: 'dm-jobqueue', cache: 1000 },
});
const windows = [
  {
    name: 'minute',
    header: 'X-RateLimit',
    limit: LIMITS.minute,
    check: app.createRateLimit({ max: LIMITS.minute, timeWindow: 60_000 }),
  },
  {
    name: 'hour',
    header: 'X-RateLimit-Hour',
    limit: LIMITS.hour,
    check: app.createRateLimit({ max: LIMITS.hour, timeWindow: 3_600_000 }),
  },
];

// Strict JSON: application/json and application/*+json, invalid UTF-8 refused, an empty body is the defaults.
const MALFORMED = 'Malformed JSON in request body';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
app.removeAllContentTypeParsers();
app.addContentTypeParser(/^application\/([\w.-]+\+)?json$/i, { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return done(Object.assign(new Error('The request body is not valid UTF-8'), { statusCode: 400 }));
  }
  if (text === '') return done(null, {});
  try {
    done(null, JSON.parse(text));
  } catch {
    done(Object.assign(new Error(MALFORMED), { statusCode: 400 }));
  }
});
app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
  if (body.length === 0) return done(null, undefined);
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim() || '(none)';
  done(Object.assign(new Error(`Content-Type must be application/json, not "${type}"`), { statusCode: 415 }));
});

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
};
app.setErrorHandler(
  (
    error: Error & {
      statusCode?: number;
      validation?: { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }[];
    },
    request,
    reply,
  ) => {
    if (error.validation) {
      return fieldErrors(
        reply,
        error.validation.map((issue) => ({
          field:
            issue.keyword === 'additionalProperties'
              ? String(issue.params.additionalProperty)
              : issue.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(body)',
          reason: issue.keyword === 'additionalProperties' ? 'is not a known field' : (issue.message ?? 'is invalid'),
        })),
      );
    }
    const status = error.statusCode ?? 500;
    if (status === 413)
      return problem(reply, 413, 'about:blank', 'Content Too Large', 'The request body must be at most 16384 bytes');
    if (status < 500) {
      // As ours: a body that is not JSON at all is a rejected registration (a 415 or bad UTF-8 is refused earlier).
      if (error.message === MALFORMED) countRegistration('rejected');
      return problem(reply, status, 'about:blank', TITLES[status] ?? 'Request Error', error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return problem(
      reply,
      500,
      'about:blank',
      'Internal Server Error',
      'An unexpected error occurred; it has been logged',
    );
  },
);
app.setNotFoundHandler((request, reply) =>
  problem(reply, 404, `${URN}not-found`, 'Not Found', `No route for ${request.method} ${request.url}`),
);

interface ApiKeyClaims {
  type: string;
  scope: string[] | string;
  env: string;
  version: string;
}

const unauthorized = (reply: FastifyReply, detail: string, error?: string) =>
  problem(
    reply.header('www-authenticate', `Bearer realm="dm-jobqueue"${error ? `, error="${error}"` : ''}`),
    401,
    `${URN}unauthorized`,
    'Unauthorized',
    detail,
    { message: detail },
  );

/** The key, its scope, then the two windows, counted only for valid keys (as ours). */
async function authenticate(request: FastifyRequest, reply: FastifyReply) {
  const header = request.headers.authorization?.trim();
  if (!header)
    return unauthorized(
      reply,
      'Authorization header is required: send "Authorization: Bearer <API key>" (make a key with npm run api-key)',
    );
  if (!/^Bearer [\w-]+\.[\w-]+\.[\w-]*$/.test(header))
    return unauthorized(reply, 'Invalid authorization header format: it must be "Bearer <API key>"', 'invalid_request');
  let claims: ApiKeyClaims;
  try {
    claims = await request.jwtVerify<ApiKeyClaims>();
  } catch {
    return unauthorized(
      reply,
      'The API key is not valid for this API: check that it was copied whole, or make a new one with npm run api-key',
      'invalid_token',
    );
  }
  const scopes = Array.isArray(claims.scope) ? claims.scope : claims.scope.split(' ');
  if (claims.type !== 'public' || claims.env !== 'test')
    return unauthorized(reply, 'The API key lacks the claims this API needs', 'invalid_token');
  if (!scopes.includes('write')) {
    const message = 'Insufficient scope: this request needs an API key with the "write" scope';
    reply.header('www-authenticate', 'Bearer realm="dm-jobqueue", error="insufficient_scope", scope="write"');
    return problem(reply, 403, `${URN}forbidden`, 'Forbidden', `${message} (npm run api-key -- --scope write)`, {
      message,
    });
  }
  request.apiKeyId = apiKeyId(header.slice(7));
  const results = [];
  for (const window of windows) {
    const result = await window.check(request);
    if ('remaining' in result) results.push({ ...window, ...result }); // only an allow list skips the count
  }
  const over = results.filter((result) => result.isExceeded);
  // As ours: on a refusal, the headers of the windows that refused.
  for (const result of over.length ? over : results) {
    reply.header(`${result.header}-Limit`, result.limit);
    reply.header(`${result.header}-Remaining`, result.remaining);
    reply.header(`${result.header}-Reset`, Math.ceil(Date.now() / 1000 + result.ttlInSeconds));
  }
  if (over.length === 0) return;
  const seconds = Math.max(1, ...over.map((window) => window.ttlInSeconds));
  const limits = over.map((window) => `${window.limit} requests per ${window.name}`).join(' and ');
  reply.header('retry-after', seconds);
  return problem(
    reply,
    429,
    `${URN}rate-limited`,
    'Too Many Requests',
    `Rate limit of ${limits} exceeded; retry in ${seconds} s`,
    { retry_after_seconds: seconds },
  );
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKeyId: string;
  }
}

const dateTime = { type: 'string', format: 'date-time' } as const;
const body = {
  type: 'object',
  additionalProperties: false,
  properties: {
    message: { type: 'string', minLength: 1, maxLength: 1000 },
    delay_seconds: { type: 'integer', minimum: 0, maximum: MAX_DELAY },
    run_at: dateTime,
    expires_at: dateTime,
    max_retry: { type: 'integer', minimum: 0, maximum: 25 },
  },
} as const;
type Body = { message?: string; delay_seconds?: number; run_at?: string; expires_at?: string; max_retry?: number };

app.post<{ Body: Body | undefined }>(
  '/api/dm-jobqueue/register',
  {
    schema: { body },
    onRequest: authenticate,
    // No body at all (curl -X POST) registers the defaults, as ours.
    preValidation: async (request) => void (request.body ??= {}),
  },
  async (request, reply) => {
    const input = request.body ?? {};
    const now = Date.now();
    const runAt = input.run_at === undefined ? undefined : Date.parse(input.run_at);
    const expiresAt = input.expires_at === undefined ? undefined : Date.parse(input.expires_at);
    if (runAt !== undefined && input.delay_seconds !== undefined)
      return fieldErrors(reply, [
        { field: 'run_at', reason: 'cannot be given together with delay_seconds: give run_at or delay_seconds' },
      ]);
    if (runAt !== undefined && runAt > now + MAX_DELAY * 1000)
      return fieldErrors(reply, [{ field: 'run_at', reason: 'must be at most 30 days (2592000 s) ahead' }]);
    const delayMs = runAt === undefined ? (input.delay_seconds ?? 180) * 1000 : Math.max(0, runAt - now);
    if (expiresAt !== undefined && expiresAt <= Math.max(now + delayMs, now))
      return fieldErrors(reply, [
        { field: 'expires_at', reason: 'must be after the due time (run_at, or now + delay_seconds)' },
      ]);
    const maxRetry = input.max_retry ?? 10;
    const data = {
      message: input.message ?? 'Job executed successfully',
      $lifecycle: { owner: request.apiKeyId, expiresAt, runAt },
    };
    const options = {
      delay: delayMs,
      attempts: maxRetry + 1,
      backoff: { type: 'exponential', delay: 30_000, jitter: 0.2 },
    };
    const answer = (jobId: string, timestamp: number, delay: number) =>
      reply.code(201).send({
        job_id: jobId,
        status: 'registered',
        job_type: 'demo:delay_print',
        delay_seconds: Math.round(delay / 1000),
        max_retry: maxRetry,
        run_at: new Date(timestamp + delay).toISOString(),
        expires_at: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
      });
    const key = request.headers['idempotency-key'];
    if (typeof key === 'string') {
      const jobId = idempotentJobId(request.apiKeyId, key.replace(/^"(.*)"$/, '$1'));
      const earlier = await queue.getJob(jobId);
      if (earlier) {
        const same =
          earlier.opts.attempts === options.attempts &&
          isDeepStrictEqual(earlier.data, JSON.parse(JSON.stringify(data))) &&
          (runAt !== undefined || earlier.opts.delay === delayMs);
        if (!same) {
          countRegistration('rejected');
          return problem(
            reply,
            422,
            `${URN}idempotency-key-reused`,
            'Unprocessable Content',
            'This Idempotency-Key was already used with a different request body; use a new key for a new job',
          );
        }
        countRegistration('replayed');
        reply.header('idempotent-replayed', 'true');
        return answer(jobId, earlier.timestamp, earlier.opts.delay ?? 0);
      }
      const job = await queue.add('demo:delay_print', data, { ...options, jobId });
      countRegistration('stored');
      return answer(jobId, job.timestamp, delayMs);
    }
    const job = await queue.add('demo:delay_print', data, { ...options, jobId: randomUUID() });
    countRegistration('stored');
    return answer(job.id ?? '', job.timestamp, delayMs);
  },
);

app.get('/metrics', async (request, reply) => {
  const sent = Buffer.from(request.headers.authorization ?? '');
  const wanted = Buffer.from(METRICS_AUTH);
  if (sent.length !== wanted.length || !timingSafeEqual(sent, wanted))
    return reply.code(401).header('www-authenticate', 'Basic realm="metrics"').send();
  return reply.type(registry.contentType).send(await registry.metrics());
});

const address = await app.listen({ port, host: '127.0.0.1' });
profileOnSignal();
announce(Number(new URL(address).port));
// A clean exit on SIGTERM, so that a profiled run (--cpu-prof) writes its profile.
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
