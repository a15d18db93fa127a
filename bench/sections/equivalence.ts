/**
 * The contract both register servers must keep before their CPU is compared: the same requests to ours and to the
 * feature-equivalent Fastify server, and what each answered side by side (status, problem type, the fields named,
 * the headers that matter), then their log line for a refusal and their metrics.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AUTH_HEADERS, testKey } from '../../test/helpers/api-keys.js';
import { startBenchServer, type BenchServer } from '../lib/bench-server.js';
import type { HttpTarget } from './http.js';

const ORIGIN = 'http://localhost:3000';
const METRICS = { user: 'metrics', password: 'bench-metrics-password' };
const LIMIT_PER_MINUTE = 40;

interface Case {
  name: string;
  headers?: Record<string, string>;
  /** A string or raw bytes; absent: no body. */
  body?: string | Uint8Array;
  method?: string;
}

const json = { 'content-type': 'application/json' };
const valid = { ...AUTH_HEADERS, ...json, origin: ORIGIN };
const readOnly = { authorization: `Bearer ${await testKey(['read'])}` };

export const CASES: readonly Case[] = [
  { name: 'a valid register', headers: valid, body: '{"message":"hello","delay_seconds":60,"max_retry":3}' },
  { name: 'empty body: the defaults', headers: { ...AUTH_HEADERS, origin: ORIGIN } },
  { name: 'run_at and expires_at', headers: valid, body: `{"run_at":"${future(120)}","expires_at":"${future(600)}"}` },
  { name: "the caller's X-Request-Id", headers: { ...valid, 'x-request-id': 'abc-123' }, body: '{}' },
  { name: 'another origin', headers: { ...valid, origin: 'https://elsewhere.example' }, body: '{}' },
  { name: 'key missing', headers: { ...json, origin: ORIGIN }, body: '{}' },
  { name: 'not a Bearer header', headers: { ...json, authorization: 'Basic Zm9vOmJhcg==' }, body: '{}' },
  {
    name: 'key with a wrong signature',
    headers: { ...json, authorization: `${AUTH_HEADERS.authorization}x` },
    body: '{}',
  },
  { name: 'wrong scope (read-only key)', headers: { ...json, ...readOnly }, body: '{}' },
  { name: 'body too large', headers: valid, body: JSON.stringify({ message: 'x'.repeat(17_000) }) },
  { name: 'not JSON (text/plain)', headers: { ...AUTH_HEADERS, 'content-type': 'text/plain' }, body: 'hello' },
  { name: 'malformed JSON', headers: valid, body: '{"message":' },
  {
    name: 'invalid UTF-8',
    headers: valid,
    body: new Uint8Array([...Buffer.from('{"message":"'), 0xff, ...Buffer.from('"}')]),
  },
  { name: 'message empty', headers: valid, body: '{"message":""}' },
  { name: 'message 1,001 characters', headers: valid, body: JSON.stringify({ message: 'x'.repeat(1001) }) },
  { name: 'message not a string', headers: valid, body: '{"message":42}' },
  { name: 'delay_seconds negative', headers: valid, body: '{"delay_seconds":-1}' },
  { name: 'delay_seconds not whole', headers: valid, body: '{"delay_seconds":1.5}' },
  { name: 'delay_seconds over 30 days', headers: valid, body: '{"delay_seconds":2592001}' },
  { name: 'max_retry over 25', headers: valid, body: '{"max_retry":26}' },
  { name: 'an unknown field', headers: valid, body: '{"messages":"typo"}' },
  { name: 'run_at without an offset', headers: valid, body: '{"run_at":"2030-01-01T00:00:00"}' },
  { name: 'run_at with delay_seconds', headers: valid, body: `{"run_at":"${future(60)}","delay_seconds":5}` },
  { name: 'run_at beyond 30 days', headers: valid, body: `{"run_at":"${future(31 * 86_400)}"}` },
  {
    name: 'expires_at before the due time',
    headers: valid,
    body: `{"delay_seconds":600,"expires_at":"${future(60)}"}`,
  },
  {
    name: 'Idempotency-Key: first',
    headers: { ...valid, 'idempotency-key': '"order-42"' },
    body: '{"message":"once"}',
  },
  {
    name: 'Idempotency-Key: retried',
    headers: { ...valid, 'idempotency-key': '"order-42"' },
    body: '{"message":"once"}',
  },
  {
    name: 'Idempotency-Key: another body',
    headers: { ...valid, 'idempotency-key': '"order-42"' },
    body: '{"message":"twice"}',
  },
  {
    name: 'preflight',
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  },
];

function future(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Headers whose presence (and, for some, value) a client relies on. */
const COMPARED_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
  'vary',
  'retry-after',
  'www-authenticate',
  'idempotent-replayed',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-hour-limit',
  'x-ratelimit-hour-remaining',
  'x-ratelimit-hour-reset',
] as const;
/** Times (the window's reset, in epoch seconds) may be a second apart between two requests: present or not. */
const PRESENCE_ONLY = new Set<string>(['x-ratelimit-reset', 'x-ratelimit-hour-reset']);
/** Lists whose order and case do not matter. */
const LISTS = new Set<string>([
  'access-control-expose-headers',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'vary',
]);

interface Answer {
  status: number;
  mediaType: string;
  type?: string;
  title?: string;
  fields?: string;
  bodyKeys?: string;
  requestId: string | null;
  headers: Record<string, string>;
  /** On 201: the job as stored in Redis (name, data with its owner and lifecycle, attempts, backoff, delay). */
  stored?: string;
}

type StoredJob = (jobId: string) => Promise<string>;

async function ask(url: string, request: Case, storedJob?: StoredJob): Promise<Answer> {
  const response = await fetch(url, {
    method: request.method ?? 'POST',
    headers: request.headers ?? {},
    body: request.body ?? null,
  });
  const text = await response.text();
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  const headers: Record<string, string> = {};
  for (const name of COMPARED_HEADERS) {
    // CORS headers matter to browsers, which always send Origin.
    if (name.startsWith('access-control-') && !request.headers?.origin) continue;
    const value = response.headers.get(name);
    if (value === null) continue;
    headers[name] = PRESENCE_ONLY.has(name)
      ? '(present)'
      : LISTS.has(name)
        ? value
            .toLowerCase()
            .split(/\s*,\s*/)
            // Hono's cors also varies a preflight on the requested headers, which @fastify/cors does only when it
            // echoes them; both allow a fixed list here, so the two answers do not differ in what a cache keeps.
            .filter((each) => each !== 'access-control-request-headers')
            .sort()
            .join(',')
        : value;
  }
  const errors = body.errors as { field: string }[] | undefined;
  return {
    status: response.status,
    mediaType: (response.headers.get('content-type') ?? '').split(';')[0] ?? '',
    ...(typeof body.type === 'string' && { type: body.type, title: String(body.title) }),
    ...(errors && {
      fields: errors
        .map((error) => error.field)
        .sort()
        .join(','),
    }),
    ...(response.status === 201 && { bodyKeys: Object.keys(body).sort().join(',') }),
    ...(response.status === 201 && storedJob && { stored: await storedJob(String(body.job_id)) }),
    requestId: response.headers.get('x-request-id'),
    headers,
  };
}

/** What a case's answer is compared on (the request id only where the caller sent one). */
function comparable(answer: Answer, request: Case) {
  const { requestId, ...rest } = answer;
  return JSON.stringify({ ...rest, requestId: request.headers?.['x-request-id'] ? requestId : requestId !== null });
}

export interface EquivalenceRow {
  name: string;
  /** What ours answered, in short: status, problem type, fields named, headers compared. */
  summary: string;
  ours: string;
  theirs: string;
  same: boolean;
}

function summarize(answer: Answer): string {
  const what = answer.type ?? (answer.mediaType || 'no body');
  const fields = answer.fields ? ` (${answer.fields})` : '';
  const headers = Object.keys(answer.headers).length;
  const stored = answer.stored ? '; the stored job' : '';
  return `${answer.status} ${what}${fields}; ${headers} headers${stored}${answer.requestId === 'abc-123' ? '; its request id' : ''}`;
}

/** A stored job as both must have stored it: the delay in whole seconds (a run_at's delay counts from "now"). */
function storedJobReader(redisPort: number, queueName: string) {
  const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redisPort } });
  const read: StoredJob = async (jobId) => {
    const job = await queue.getJob(jobId);
    if (!job) return 'not stored';
    const { attempts, backoff, delay } = job.opts;
    return JSON.stringify({
      name: job.name,
      data: job.data as unknown,
      attempts,
      backoff,
      delaySeconds: Math.round((delay ?? 0) / 1000),
    });
  };
  return { read, close: () => queue.close() };
}

/** Sends every case (then valid requests up to the rate limit) to both servers; one row per check. */
export async function checkEquivalence(
  ours: HttpTarget,
  theirs: HttpTarget,
  { redisPort, log }: { redisPort: number; log: (line: string) => void },
): Promise<EquivalenceRow[]> {
  const admin = new Redis(redisPort);
  await admin.flushall();
  const env = {
    REDIS_PORT: String(redisPort),
    // Ours would spend one request of the budget waiting for Redis (which is up): both start at the same count.
    WAIT_FOR_REDIS: 'no',
    LIMIT_PER_MINUTE: String(LIMIT_PER_MINUTE),
    METRICS_USER: METRICS.user,
    METRICS_PASSWORD: METRICS.password,
  };
  const servers: BenchServer[] = [];
  const readers = [0, 1].map((index) => storedJobReader(redisPort, `equivalence-${index}`));
  try {
    for (const target of [ours, theirs])
      servers.push(
        await startBenchServer(target.name, target.file, {
          ...env,
          QUEUE_NAME: `equivalence-${servers.length}`,
          ...target.env,
        }),
      );
    const [a, b] = servers as [BenchServer, BenchServer];
    const rows: EquivalenceRow[] = [];
    // A check both fail alike (nothing logged, a metric absent, never refused) is no agreement.
    const row = (name: string, x: string, y: string, summary = x, valid = true) =>
      rows.push({ name, summary, ours: x, theirs: y, same: x === y && valid });
    const [readA, readB] = readers as [ReturnType<typeof storedJobReader>, ReturnType<typeof storedJobReader>];
    for (const request of CASES) {
      const [x, y] = [await ask(a.url, request, readA.read), await ask(b.url, request, readB.read)];
      row(request.name, comparable(x, request), comparable(y, request), summarize(x));
    }
    // The rest of the minute's budget, then the refusal: both must refuse the same request.
    const untilRefused = async (url: string) => {
      for (let sent = 1; sent <= LIMIT_PER_MINUTE + 5; sent++) {
        const answer = await ask(url, { name: 'valid', headers: valid, body: '{}' });
        if (answer.status !== 201)
          return { text: `after ${sent - 1} more: ${comparable(answer, { name: '' })}`, answer, sent };
      }
      return { text: 'never refused', answer: undefined, sent: 0 };
    };
    const [x, y] = [await untilRefused(a.url), await untilRefused(b.url)];
    const limited = x.answer ? `${summarize(x.answer)}, at request ${x.sent} after the cases` : x.text;
    row(`rate-limited (${LIMIT_PER_MINUTE} per minute)`, x.text, y.text, limited, x.answer?.status === 429);
    // The log line of a refusal, found by its request id.
    const logLine = async (server: BenchServer) => {
      const answer = await ask(server.url, {
        name: '',
        headers: { ...json, 'x-request-id': `log-check-${server.pid}` },
        body: '{}',
      });
      await new Promise((resolve) => setTimeout(resolve, 300)); // pino's asynchronous stdout
      const line = server.process.stdout.find((each) => each.includes(`log-check-${server.pid}`));
      if (!line) return 'no log line';
      const entry = JSON.parse(line) as Record<string, unknown>;
      const { msg, level, status, method, path } = entry;
      return JSON.stringify({
        answered: answer.status,
        msg,
        level,
        status,
        method,
        path,
        requestId: entry.requestId === `log-check-${server.pid}`,
        ms: typeof entry.ms,
      });
    };
    const [logA, logB] = [await logLine(a), await logLine(b)];
    row('log line of a refusal (401)', logA, logB, logA, logA !== 'no log line');
    const metrics = async (server: BenchServer) => {
      const authorization = `Basic ${Buffer.from(`${METRICS.user}:${METRICS.password}`).toString('base64')}`;
      const text = await (await fetch(new URL('/metrics', server.url), { headers: { authorization } })).text();
      const value = (pattern: RegExp) => pattern.exec(text)?.[1] ?? 'absent';
      const register = 'method="POST",route="/api/dm-jobqueue/register"';
      const counts = Object.fromEntries<string>([
        ...['201', '400', '401', '403', '413', '415', '422', '429'].map((status): [string, string] => [
          `answered ${status}`,
          value(new RegExp(`^http_requests_total\\{${register},status="${status}"\\} (\\d+)`, 'm')),
        ]),
        ['durations', value(new RegExp(`^http_request_duration_seconds_count\\{${register}\\} (\\d+)`, 'm'))],
        ...['stored', 'replayed', 'rejected'].map((outcome): [string, string] => [
          outcome,
          value(
            new RegExp(
              `^dm_jobqueue_jobs_registered_total\\{job_type="demo:delay_print",outcome="${outcome}"\\} (\\d+)`,
              'm',
            ),
          ),
        ]),
        ['process metrics', value(/^(process_cpu_seconds_total) /m)],
      ]);
      return JSON.stringify(counts);
    };
    const [metricsA, metricsB] = [await metrics(a), await metrics(b)];
    row('metrics after all of it', metricsA, metricsB, metricsA, !metricsA.includes('absent'));
    const differ = rows.filter((each) => !each.same);
    log(`equivalence: ${rows.length - differ.length} of ${rows.length} checks alike`);
    for (const each of differ) log(`  differs: ${each.name}\n    ours:   ${each.ours}\n    theirs: ${each.theirs}`);
    return rows;
  } finally {
    await Promise.all(readers.map((reader) => reader.close()));
    await Promise.all(servers.map((server) => server.process.stop('SIGKILL')));
    await admin.flushall().catch(() => undefined);
    admin.disconnect();
  }
}
