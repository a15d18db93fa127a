/**
 * The removal recipes of docs/make-it-yours.md as data, for scripts/check-removals.ts. Each names
 * the files to delete and the exact text edits to make; a `find` must match the committed code
 * exactly once, or the check fails naming the recipe and the file. Keep them in step with the page:
 * a recipe changed here is a recipe changed there.
 */

/** Replace `find` (exact text, found exactly once) with `replace` in `file`. */
export interface TextEdit {
  file: string;
  find: string;
  replace: string;
}

export interface Recipe {
  /** As the page's heading names it. */
  name: string;
  /** Recipes applied first, in the same copy. */
  after?: string[];
  /** Files and folders to delete. */
  delete?: string[];
  edits?: TextEdit[];
  /** npm scripts to delete from package.json (`npm pkg delete scripts.<name>`). */
  npmScripts?: string[];
  /** Packages to uninstall (`npm uninstall`); nothing may import them afterwards. */
  packages?: string[];
  /**
   * Set while the recipe cannot pass without a change in src/ that has not landed: the check
   * skips it (`--all` runs it anyway) and prints this, which says the change.
   */
  waitsFor?: string;
}

/** Deletes `text` (found exactly once) from `file`. */
const cut = (file: string, find: string): TextEdit => ({ file, find, replace: '' });

const TOOLING = "the template's own tooling";

/** Both logins' check (src/infra/config/load-config.ts) and its test: each recipe that removes a login cuts them. */
const LOGINS_DIFFER = `  // The scrape login sits in every Prometheus config: it must not open the dashboard too.
  const { admin, metrics } = config.secrets;
  if (admin && admin.password === metrics?.password)
    throw new ConfigError('METRICS_PASSWORD', '', 'must differ from ADMIN_PASSWORD: it must not open the dashboard');
`;
const LOGINS_DIFFER_TEST = `  it('refuses the same password for the dashboard and /metrics: the scrape login must not open the dashboard', () => {
    const same = { ADMIN_USER: 'ops', METRICS_USER: 'prometheus', ADMIN_PASSWORD: 'correct horse battery' };
    expect(failure(() => load({ ...same, METRICS_PASSWORD: same.ADMIN_PASSWORD })).message).toBe(
      'METRICS_PASSWORD: must differ from ADMIN_PASSWORD: it must not open the dashboard',
    );
    expect(load({ ...same, METRICS_PASSWORD: 'scrape only, staple' }).secrets.metrics?.username).toBe('prometheus');
  });

`;
const ADMIN_SECRET = `  /** \`ADMIN_USER\` / \`ADMIN_PASSWORD\`: the queue dashboard's login; both or neither. */
  admin?: BasicCredentials | undefined;
`;
const METRICS_SECRET = `  /** \`METRICS_USER\` / \`METRICS_PASSWORD\`: the scrape login of /metrics, which cannot open the dashboard. */
  metrics?: BasicCredentials | undefined;
`;
const DASHBOARD_LOGIN_TEST = `  it('the metrics login cannot open the dashboard, whose own login can', async () => {
    const dashboard = \`\${stack.adminUrl}/admin/queues\`;
    expect((await fetch(dashboard, { headers: { authorization: basic } })).status).toBe(401);
    expect((await fetch(dashboard, { headers: { authorization: adminBasic } })).status).toBe(200);
  });

`;
const DEV_METRICS_LINE = `  if (config.secrets.metrics) {
    const { username, password } = config.secrets.metrics;
    say(\`metrics:       \${base}/metrics   (login \${username} / \${password}, scrape only)\`);
  }
`;

export const RECIPES: Recipe[] = [
  {
    name: 'the demo page',
    delete: [
      'public/dm-jobqueue',
      'src/routes/demo-page.ts',
      'src/routes/demo-page.test.ts',
      'test/browser/demo-page.test.ts',
    ],
    edits: [
      // src/app.ts: the page's routes (and GET / that redirects to it).
      cut(
        'src/app.ts',
        `import { createDemoPageRoutes } from './routes/demo-page.js';
`,
      ),
      cut(
        'src/app.ts',
        `  app.route('/', createDemoPageRoutes());
`,
      ),
      // npm run dev's link to it, and the tests that open it.
      cut(
        'scripts/dev.ts',
        `  // The key rides in the fragment: the browser never sends it to a server or a log.
  say(\`demo page:     \${base}/dm-jobqueue#key=\${key}\`);
`,
      ),
      {
        file: 'src/infra/http/bearer-auth.test.ts',
        find: `  it('leaves /health and the demo page open', async () => {
    const { app } = setup();
    expect((await app.request('/health')).status).toBe(200);
    expect((await app.request('/dm-jobqueue')).status).toBe(200);`,
        replace: `  it('leaves /health open', async () => {
    const { app } = setup();
    expect((await app.request('/health')).status).toBe(200);`,
      },
      {
        file: 'test/integration/security-checklist.test.ts',
        find: `    for (const path of ['/dm-jobqueue', '/docs']) {`,
        replace: `    for (const path of ['/docs']) {`,
      },
    ],
  },

  {
    name: TOOLING,
    delete: [
      'bench',
      'tsconfig.bench.json',
      'test/template',
      'vitest.template.config.ts',
      'scripts/check-removals.ts',
      'scripts/lib/removals-recipes.ts',
    ],
    npmScripts: ['bench', 'check:template', 'check:removals'],
    packages: ['@action-validator/cli', '@action-validator/core'],
    edits: [
      {
        file: 'tsconfig.json',
        find: `  "include": ["src", "test", "scripts", "bench", "vitest.config.ts", "vitest.reliability.config.ts", "vitest.template.config.ts"],
  // The peers need bench/package.json's own dependencies: tsconfig.bench.json checks them (npm run bench, CI).
  "exclude": ["bench/servers/express-*.ts", "bench/servers/fastify-*.ts", "bench/.build", "bench/node_modules"]`,
        replace: `  "include": ["src", "test", "scripts", "vitest.config.ts", "vitest.reliability.config.ts"]`,
      },
      cut(
        '.ci/run',
        `# The bench's framework peers have their own dependencies; they must keep compiling.
npm ci --prefix bench --no-audit --no-fund --loglevel=error
npx tsc --noEmit -p tsconfig.bench.json
`,
      ),
      cut(
        '.ci/run',
        `# The template's own documents: README examples on a clean copy of HEAD, links, headings, configuration doc.
npm run check:template
`,
      ),
      cut('.ci/run', 'npm run check:removals\n'),
      {
        file: 'test/ops/first-run.test.ts',
        find: `// What a new user meets on the first run: the scripts, the start commands, the bench's help.`,
        replace: `// What a new user meets on the first run: the scripts and the start commands.`,
      },
      cut(
        'test/ops/first-run.test.ts',
        `

  it('npm run bench -- --help prints usage and starts nothing', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench/run.ts'), '--help'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run bench/);
    expect(result.stdout).toContain('BENCH_ONLY');
    expect(result.stdout).not.toContain('[bench]');
  });`,
      ),
    ],
  },

  {
    name: 'Idempotency-Key',
    // Replica acknowledgement tells a client to retry an unconfirmed job with the same key: it goes first.
    after: ['replica acknowledgement'],
    delete: [
      'src/jobs/idempotent-registration.ts',
      'src/infra/queue/bullmq-idempotency-store.ts',
      'src/routes/idempotency-key.test.ts',
      'test/fakes/fake-idempotency-store.ts',
      'test/integration/idempotency.test.ts',
    ],
    edits: [
      // The register route's answers that speak of the key.
      {
        file: 'src/routes/dm-jobqueue.ts',
        find: `    201: apiResponse(
      'Stored: the job will run at run_at (with Idempotent-Replayed: true, stored by an earlier request with the same key)',
      json('RegisterResponse', RegisterResponseSchema),
    ),
    400: problemAnswer('Invalid body or Idempotency-Key: errors names each field and why'),`,
        replace: `    201: apiResponse('Stored: the job will run at run_at', json('RegisterResponse', RegisterResponseSchema)),
    400: problemAnswer('Invalid body: errors names each field and why'),`,
      },
      // Its response header in /openapi.json (Redocly's lint would flag it unused).
      cut(
        'src/routes/api-docs.ts',
        `  'Idempotent-Replayed': header('string', 'An answer to an earlier request with the same Idempotency-Key', ['true']),\n`,
      ),
      // The one call every registering endpoint makes: registration without the key, documented as any route.
      {
        file: 'src/routes/registration.ts',
        find: `import * as v from 'valibot';
import { InvalidRequestError, jsonBody } from '../infra/http/problem.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyKeySchema,
  registerJobIdempotently,
  type IdempotencyStore,
} from '../jobs/idempotent-registration.js';
`,
        replace: `import * as v from 'valibot';
import { jsonBody } from '../infra/http/problem.js';
`,
      },
      cut('src/routes/registration.ts', `import { problemAnswer } from './api-docs.js';\n`),
      cut(
        'src/routes/registration.ts',
        `  /** Backs \`Idempotency-Key\` (an optional extra). */
  idempotency: IdempotencyStore;
`,
      ),
      {
        file: 'src/routes/registration.ts',
        find: `  const header = c.req.header(IDEMPOTENCY_KEY_HEADER);
  if (header === undefined) return registerJob(deps, definition, input);
  const key = v.safeParse(IdempotencyKeySchema, header);
  if (!key.success) {
    deps.onRegistration?.(definition.type, 'rejected');
    throw new InvalidRequestError([{ field: \`\${IDEMPOTENCY_KEY_HEADER} (header)\`, reason: key.issues[0].message }]);
  }
  // Keys are scoped per API key (set by bearerAuth): callers can neither collide nor probe each other's keys.
  const scope = { scope: c.get('apiKeyId'), key: key.output };
  const { job, replayed } = await registerJobIdempotently(deps, definition, input, scope);
  if (replayed) c.header('Idempotent-Replayed', 'true');
  return job;
}`,
        replace: `  return registerJob(deps, definition, input);
}`,
      },
      {
        file: 'src/routes/registration.ts',
        find: `const IDEMPOTENCY_KEY_PARAMETER = {
  name: IDEMPOTENCY_KEY_HEADER,
  in: 'header',
  required: false,
  description:
    'Makes retries safe: the same key with the same body answers the first 201 again (Idempotent-Replayed: true) instead of storing a second job. Keys are per API key and live as long as their job.',
  schema: { type: 'string', minLength: 1, maxLength: 257, example: '"order-42"' },
} as const;

/**
 * \`describeRoute\` for an endpoint that calls {@link registerForRequest}: what that call adds to the
 * endpoint goes in /openapi.json too (the Idempotency-Key header, \`Idempotent-Replayed\` on the 201,
 * the 409 and 422). The route states its own: its 201 body, tags, summary.
 * @example describeRegistration({ operationId: 'sendWelcomeMail', tags: ['mail'], responses: { 201: … } })
 */
export function describeRegistration(spec: DescribeRouteOptions) {
  const responses: Record<string, unknown> = {
    409: problemAnswer('A request with the same Idempotency-Key is still being stored', 'Retry-After'),
    422: problemAnswer('The Idempotency-Key was used before with a different body'),
    ...spec.responses,
  };
  // The 201 as apiResponse() made it: a plain object with its header references.
  const created = responses[201] as { headers?: Record<string, unknown> } | undefined;
  const replayHeader = { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } };
  if (created) responses[201] = { ...created, headers: { ...created.headers, ...replayHeader } };
  return describeRoute({
    ...spec,
    parameters: [...(spec.parameters ?? []), IDEMPOTENCY_KEY_PARAMETER],
    responses: responses as DescribeRouteOptions['responses'],
  });
}
`,
        replace: `/** \`describeRoute\` for an endpoint that calls {@link registerForRequest}. */
export function describeRegistration(spec: DescribeRouteOptions) {
  return describeRoute(spec);
}
`,
      },
      // Its 409 and 422 in the error handler.
      cut(
        'src/infra/http/problem.ts',
        `import { IdempotencyConflictError } from '../../jobs/idempotent-registration.js';\n`,
      ),
      cut(
        'src/infra/http/problem.ts',
        `  idempotencyKeyInUse: 'urn:dm-jobqueue:problem:idempotency-key-in-use',
  idempotencyKeyReused: 'urn:dm-jobqueue:problem:idempotency-key-reused',
`,
      ),
      cut(
        'src/infra/http/problem.ts',
        `    if (error instanceof IdempotencyConflictError) {
      if (error.reason === 'mismatch') {
        const type = PROBLEM_TYPES.idempotencyKeyReused;
        return problemResponse(c, { type, title: 'Unprocessable Content', status: 422, detail: error.message });
      }
      const type = PROBLEM_TYPES.idempotencyKeyInUse;
      return problemResponse(
        c,
        { type, title: 'Conflict', status: 409, detail: error.message },
        { 'Retry-After': '1' },
      );
    }
`,
      ),
      // The registration counter's "replayed" outcome.
      {
        file: 'src/jobs/register-job.ts',
        find: `/** What becomes of a registration: a 201 (\`stored\`, or \`replayed\` for an Idempotency-Key retry), refused input, or no Redis. */
export const REGISTRATION_OUTCOMES = ['stored', 'replayed', 'rejected', 'redis_unavailable'] as const;`,
        replace: `/** What becomes of a registration: a 201 (\`stored\`), refused input, or no Redis. */
export const REGISTRATION_OUTCOMES = ['stored', 'rejected', 'redis_unavailable'] as const;`,
      },
      {
        file: 'src/jobs/register-job.ts',
        find: `  register: () => Promise<{ result: T; outcome: 'stored' | 'replayed' }>,`,
        replace: `  register: () => Promise<{ result: T; outcome: 'stored' }>,`,
      },
      {
        file: 'src/infra/metrics.ts',
        find: `/** Outcomes of a registration attempt: stored (201), replayed (an Idempotency-Key retry), rejected (bad input), redis_unavailable (503). */`,
        replace: `/** Outcomes of a registration attempt: stored (201), rejected (bad input), redis_unavailable (503). */`,
      },
      {
        file: 'src/infra/metrics.test.ts',
        find: `      ['stored', 'replayed', 'rejected', 'redis_unavailable'].map(`,
        replace: `      ['stored', 'rejected', 'redis_unavailable'].map(`,
      },
      // The API's wiring.
      cut('src/api.ts', `import { createBullmqIdempotencyStore } from './infra/queue/bullmq-idempotency-store.js';\n`),
      cut('src/api.ts', `    idempotency: createBullmqIdempotencyStore({ queue, logger, outage }),\n`),
      {
        file: 'src/app.ts',
        find: ` * @example const app = createApp({ producer, statusReader, idempotency, logger, auth, bodyLimitBytes: 16_384 });`,
        replace: ` * @example const app = createApp({ producer, statusReader, logger, auth, bodyLimitBytes: 16_384 });`,
      },
      // Tests: the fakes and the type test.
      cut(
        'test/helpers/test-app.ts',
        `import { createFakeIdempotencyStore } from '../fakes/fake-idempotency-store.js';\n`,
      ),
      {
        file: 'test/helpers/test-app.ts',
        find: ` * settings, a fake producer, status reader and idempotency store (which reads
 * back the fake producer's jobs), a silent logger and a 1 KiB body limit.`,
        replace: ` * settings, a fake producer and status reader, a silent logger and a 1 KiB body limit.`,
      },
      cut(
        'test/helpers/test-app.ts',
        `  // A fake producer's jobs can be read back; any other producer's cannot.
  const lookup = 'find' in producer ? (producer as ReturnType<typeof createFakeProducer>).find : undefined;
`,
      ),
      cut('test/helpers/test-app.ts', `    idempotency: createFakeIdempotencyStore(lookup),\n`),
      cut(
        'test/fakes/fake-producer.ts',
        `import type { StoredRegistration } from '../../src/jobs/idempotent-registration.js';\n`,
      ),
      cut(
        'test/fakes/fake-producer.ts',
        `    /** The stored job with this id, as the idempotency store reads it back. */
    find: (jobId: string): StoredRegistration | undefined => {
      const job = jobs.find((stored) => stored.jobId === jobId);
      return job && { ...job, createdAt: createdAt.get(jobId) ?? 0 };
    },
`,
      ),
      cut(
        'test/types/registry.test-d.ts',
        `import type { IdempotencyStore } from '../../src/jobs/idempotent-registration.js';
import { registerJobIdempotently } from '../../src/jobs/idempotent-registration.js';
`,
      ),
      cut('test/types/registry.test-d.ts', `declare const idempotency: IdempotencyStore;\n`),
      cut(
        'test/types/registry.test-d.ts',
        `    const mailDeps = { producer: bothProducer, idempotency };
    const scope = { scope: 's', key: 'k' };
    // @ts-expect-error: the same through Idempotency-Key registration
    void registerJobIdempotently(mailDeps, sendWelcomeMail, { payload: { message: 'hi' } }, scope);
`,
      ),
      // Tests against real processes that send the header.
      {
        file: 'test/e2e/openapi.test.ts',
        find: `    expect(register.parameters?.map((parameter) => \`\${parameter.in}:\${parameter.name}\`)).toEqual([
      'header:Idempotency-Key',
    ]);`,
        replace: `    expect(register.parameters ?? []).toEqual([]);`,
      },
      {
        file: 'test/e2e/openapi.test.ts',
        find: `    expect(Object.keys(register.responses).sort()).toEqual([
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
    ]);`,
        replace: `    expect(Object.keys(register.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '500',
      '503',
    ]);`,
      },
      cut('test/e2e/openapi.test.ts', `    expect(headersOf('201')).toContain('Idempotent-Replayed');\n`),
      {
        file: 'test/e2e/openapi.test.ts',
        find: `for (const status of ['409', '429', '503'])`,
        replace: `for (const status of ['429', '503'])`,
      },
    ],
  },

  {
    name: 'replica acknowledgement',
    // bench/ measures what it costs (section 9); the recipe is checked with it removed.
    after: [TOOLING],
    delete: [
      'src/infra/queue/replica-ack.ts',
      'src/infra/queue/replica-ack.test.ts',
      'test/integration/replica-ack.test.ts',
    ],
    edits: [
      // src/api.ts: the second connection the WAITs hold, and the hooks on it.
      cut('src/api.ts', `import { createReplicaAck } from './infra/queue/replica-ack.js';\n`),
      cut(
        'src/api.ts',
        `  // Replica acknowledgement (extra): WAIT holds the connection it is sent on, so the producer writes on its own.
  const writer = redis.ack_replicas > 0 ? connect() : client;
  const writeQueue = writer === client ? queue : createLazyQueue({ client: writer, location, logger });
  const { ack_replicas: replicas, ack_timeout_ms: timeoutMs } = redis;
  const replicaAck =
    replicas > 0 ? createReplicaAck({ client: writer, replicas, timeoutMs, location, logger }) : undefined;
`,
      ),
      {
        file: 'src/api.ts',
        find: `    producer: createBullmqProducer<KnownJob>({ queue: writeQueue, logger, outage, afterWrite: replicaAck?.afterWrite }),`,
        replace: `    producer: createBullmqProducer<KnownJob>({ queue, logger, outage }),`,
      },
      {
        file: 'src/api.ts',
        find: `    idempotency: createBullmqIdempotencyStore({ queue, logger, outage, beforeReplay: replicaAck?.beforeReplay }),`,
        replace: `    idempotency: createBullmqIdempotencyStore({ queue, logger, outage }),`,
      },
      {
        file: 'src/api.ts',
        find: `    isReady: () => client.status === 'ready' && writer.status === 'ready',`,
        replace: `    isReady: () => client.status === 'ready',`,
      },
      {
        file: 'src/api.ts',
        find: `    firstConnection: Promise.allSettled([...new Set([client, writer])].map((each) => each.connect())).then(
      () => undefined,
    ),`,
        replace: `    firstConnection: client.connect().catch(() => undefined),`,
      },
      {
        file: 'src/api.ts',
        find: `      for (const each of new Set([queue, writeQueue])) await each.close().catch(() => undefined);
      for (const each of new Set([client, writer])) each.disconnect();`,
        replace: `      await queue.close().catch(() => undefined);
      client.disconnect();`,
      },
      // The hooks it ran through: after the producer's write, before an Idempotency-Key replay.
      {
        file: 'src/infra/queue/bullmq-queue.ts',
        find: ` * A {@link JobProducer} over \`queue.add\`; \`afterWrite\` runs on its connection once written (replica-ack.ts).`,
        replace: ` * A {@link JobProducer} over \`queue.add\`.`,
      },
      {
        file: 'src/infra/queue/bullmq-queue.ts',
        find: `export function createBullmqProducer<Job extends AnyJob = KnownJob>(
  context: QueueCallContext<Job> & { afterWrite?: ((jobId: string) => Promise<void>) | undefined },
): JobProducer<Job> {
  const { queue, afterWrite } = context;`,
        replace: `export function createBullmqProducer<Job extends AnyJob = KnownJob>(
  context: QueueCallContext<Job>,
): JobProducer<Job> {
  const { queue } = context;`,
      },
      {
        file: 'src/infra/queue/bullmq-queue.ts',
        find: `        async () => {
          // JobProducer<Job> already pairs name and data; BullMQ's generics cannot follow a generic Job.
          const target = queue.current() as unknown as Queue;
          const added = await target.add(request.name, request.data, jobOptions(request));
          await afterWrite?.(request.jobId);
          return added;
        },`,
        replace: `        // JobProducer<Job> already pairs name and data; BullMQ's generics cannot follow a generic Job.
        () => (queue.current() as unknown as Queue).add(request.name, request.data, jobOptions(request)),`,
      },
      cut(
        'src/infra/queue/bullmq-idempotency-store.ts',
        ` * \`beforeReplay\` confirms a found job before it is replayed (replica-ack.ts).
`,
      ),
      {
        file: 'src/infra/queue/bullmq-idempotency-store.ts',
        find: `export function createBullmqIdempotencyStore(
  context: QueueCallContext & { beforeReplay?: ((jobId: string) => Promise<void>) | undefined },
): IdempotencyStore {
  const { queue, beforeReplay } = context;`,
        replace: `export function createBullmqIdempotencyStore(context: QueueCallContext): IdempotencyStore {
  const { queue } = context;`,
      },
      cut('src/infra/queue/bullmq-idempotency-store.ts', `          await beforeReplay?.(jobId);\n`),
      // Its configuration keys, their check and their overrides.
      cut(
        'src/infra/config/schema.ts',
        `/** Replicas WAIT must confirm before a registration is acknowledged: at most a handful. */
const AckReplicas = v.pipe(NonNegativeInt, v.maxValue(10));

`,
      ),
      cut(
        'src/infra/config/schema.ts',
        `    // 0 = off. N: a registration answers 201 only once WAIT confirms N replicas hold the job.
    ack_replicas: v.optional(AckReplicas, 0),
    ack_timeout_ms: v.optional(PositiveInt, 500),
`,
      ),
      cut(
        'src/infra/config/schema.ts',
        `  v.forward(
    v.partialCheck(
      [['ack_timeout_ms'], ['command_timeout_ms']],
      (input) => input.ack_timeout_ms < input.command_timeout_ms,
      'must be less than command_timeout_ms: the WAIT that confirms the replicas is a command and would time out first',
    ),
    ['ack_timeout_ms'],
  ),
`,
      ),
      cut(
        'src/infra/config/load-config.ts',
        `  REDIS_JOBQUEUE_ACK_REPLICAS: ['redis.jobqueue.ack_replicas', 'number'],
  REDIS_JOBQUEUE_ACK_TIMEOUT_MS: ['redis.jobqueue.ack_timeout_ms', 'number'],
`,
      ),
      ...['config/develop/cacheserver.yaml', 'config/staging/cacheserver.yaml', 'config/test/cacheserver.yaml'].map(
        (file) =>
          cut(
            file,
            `    # ack_replicas: 0              # N > 0: 201 only once WAIT confirms N replicas hold the job
    # ack_timeout_ms: 500          # how long that WAIT may take (less than command_timeout_ms), else 503
`,
          ),
      ),
      cut(
        'config/production/cacheserver.yaml.example',
        `    # ack_replicas: 1              # 201 only once one replica holds the job too (costs a round trip; docs/redis-sentinel.md)
    # ack_timeout_ms: 500
`,
      ),
      // npm run status: its warning about too few replicas.
      cut(
        'scripts/status.ts',
        `    const replicas = Number(field('connected_slaves'));
    const { ack_replicas: ackReplicas } = redisConfig;
    // Not a risk but an outage: every registration answers 503.
    if (ackReplicas > 0 && !(replicas >= ackReplicas))
      down.push(
        \`ack_replicas is \${ackReplicas} but \${field('connected_slaves')} replica(s) are connected: registrations answer 503\`,
      );
`,
      ),
      // Tests: the settings objects, the config tests, status and the failover scenario.
      cut('src/infra/redis/connection-options.test.ts', `  ack_replicas: 0,\n  ack_timeout_ms: 500,\n`),
      cut('test/helpers/redis-config.ts', `    ack_replicas: 0,\n    ack_timeout_ms: 500,\n`),
      cut('src/infra/config/load-config.test.ts', `    expect(jobqueue.ack_replicas).toBe(0);\n`),
      cut(
        'src/infra/config/load-config.test.ts',
        `    [
      'an ack timeout the command timeout would cut',
      'redis: { jobqueue: { addr: "h:1", ack_replicas: 1, ack_timeout_ms: 1000, command_timeout_ms: 1000 } }',
      'redis.jobqueue.ack_timeout_ms',
      /less than command_timeout_ms/,
    ],
    [
      'too many ack replicas',
      'redis: { jobqueue: { addr: "h:1", ack_replicas: 11 } }',
      'redis.jobqueue.ack_replicas',
      /Invalid value|Expected <=10/,
    ],
`,
      ),
      cut(
        'src/infra/config/load-config.test.ts',
        `      REDIS_JOBQUEUE_ACK_REPLICAS: '1',
      REDIS_JOBQUEUE_ACK_TIMEOUT_MS: '300',
`,
      ),
      cut(
        'src/infra/config/load-config.test.ts',
        `    expect([jobqueue.ack_replicas, jobqueue.ack_timeout_ms]).toEqual([1, 300]);\n`,
      ),
      {
        file: 'test/e2e/status.test.ts',
        find: `  it('with Sentinel: names the master the sentinels chose, its role and replicas, and flags ack_replicas above them', async () => {`,
        replace: `  it('with Sentinel: names the master the sentinels chose, its role and replicas', async () => {`,
      },
      cut(
        'test/e2e/status.test.ts',
        `    const strict = JSON.parse((await runStatus({ ...env, REDIS_JOBQUEUE_ACK_REPLICAS: '2' })).stdout) as StatusReport;
    expect(strict.checks.find((check) => check.name === 'job-queue Redis setup')).toMatchObject({
      state: 'down',
      detail: 'ack_replicas is 2 but 1 replica(s) are connected: registrations answer 503',
    });
    expect(strict.status).toBe('down');
`,
      ),
      cut(
        'test/reliability/lib/failover-run.ts',
        `  /** \`redis.jobqueue.ack_replicas\` of the API. */
  ackReplicas: number;
`,
      ),
      {
        file: 'test/reliability/lib/failover-run.ts',
        find: `export async function runFailover({ ackReplicas, replicas }: FailoverRunOptions): Promise<FailoverRun> {`,
        replace: `export async function runFailover({ replicas }: FailoverRunOptions): Promise<FailoverRun> {`,
      },
      cut('test/reliability/lib/failover-run.ts', `      REDIS_JOBQUEUE_ACK_REPLICAS: String(ackReplicas),\n`),
      {
        file: 'test/reliability/15.2-15.3-sentinel-failover.test.ts',
        find: `      title: 'Sentinel failover under load (ack_replicas 0)',`,
        replace: `      title: 'Sentinel failover under load',`,
      },
      {
        file: 'test/reliability/15.2-15.3-sentinel-failover.test.ts',
        find: `    const run = await runFailover({ ackReplicas: 0, replicas: 1 });`,
        replace: `    const run = await runFailover({ replicas: 1 });`,
      },
      {
        file: 'test/reliability/15.2-15.3-sentinel-failover.test.ts',
        find: `a job acknowledged in the last moment before the kill may not have reached the replica; ack_replicas (15.3) closes that gap.',`,
        replace: `a job acknowledged in the last moment before the kill may not have reached the replica.',`,
      },
      cut(
        'test/reliability/15.2-15.3-sentinel-failover.test.ts',
        `

  it('15.3: with ack_replicas 1, no acknowledged job is lost in a failover', async () => {
    // Two replicas: after the failover one is left to confirm writes, so the API keeps acknowledging.
    const run = await runFailover({ ackReplicas: 1, replicas: 2 });
    const result = summarize(run);

    expect(run.replicaPorts).toContain(run.newMasterPort);
    expect(result.acknowledgedBeforeKill.length).toBeGreaterThan(0);
    expect(result.lost).toEqual([]);
    expect([...run.stillQueued]).toEqual([]);
    expect(result.afterRecovery.length).toBeGreaterThan(0);
    expect(run.oldMasterRoleAfterRestart).toBe('slave');
    checkDuplicates(run, result.duplicated);

    recordScenario({
      id: '15.3',
      title: 'Sentinel failover with durable acknowledgement (ack_replicas 1)',
      injected:
        'SIGKILL of the master while 201s flow (master + 2 replicas + 3 sentinels), then the old master started again',
      load: LOAD,
      checked: [
        'zero acknowledged jobs lost (every 201 ran), none still queued at the end',
        'the API acknowledges again after the failover, the old master rejoins as a replica',
        'a job ran twice only if its first run started before the kill',
      ],
      figures: failoverFigures(result),
    });
  });`,
      ),
    ],
  },

  {
    name: 'the queue dashboard',
    delete: ['src/infra/admin', 'test/browser/queue-dashboard.test.ts'],
    packages: ['@bull-board/api', '@bull-board/hono', '@bull-board/ui'],
    edits: [
      // src/api.ts: the dashboard's listener and its queue.
      {
        file: 'src/api.ts',
        find: `import {
  createBullmqProducer,
  createBullmqStatusReader,
  createFailFastQueue,
  createLazyQueue,
  queueLocation,
  type FailFastQueue,
} from './infra/queue/bullmq-queue.js';`,
        replace: `import {
  createBullmqProducer,
  createBullmqStatusReader,
  createLazyQueue,
  queueLocation,
} from './infra/queue/bullmq-queue.js';`,
      },
      cut(
        'src/api.ts',
        `/** The queue dashboard (extra) on its own listener, with a queue of its own that fails fast while Redis is down. */
async function startDashboard(config: Config, logger: Logger) {
  const credentials = config.secrets.admin;
  if (!credentials) {
    logger.info('the queue dashboard is off: set ADMIN_USER and ADMIN_PASSWORD');
    return undefined;
  }
  // Loaded only when on: bull-board's import is a large share of a cold start.
  const { createDashboardApp, DASHBOARD_PATH } = await import('./infra/admin/queue-dashboard.js');
  const { jobqueue, admin } = config.app;
  const queue = createFailFastQueue(queueLocation(jobqueue), config.cache.redis.jobqueue, logger, 'dashboard');
  const app = createDashboardApp({ queue: queue.queue, credentials, readOnly: admin.read_only });
  const setting = \`ADMIN_PORT (admin.port in config/\${config.env}/config.yaml)\`;
  const server = await startHttpServer(app, { host: admin.host, port: admin.port, setting });
  logger.info({ readOnly: admin.read_only }, \`queue dashboard on http://\${admin.host}:\${server.port}\${DASHBOARD_PATH}\`);
  return { server, queue };
}

`,
      ),
      {
        file: 'src/api.ts',
        find: ` * The HTTP API listening on \`server.host:server.port\`, and the dashboard when ADMIN_USER and
 * ADMIN_PASSWORD are set. Starts without Redis.`,
        replace: ` * The HTTP API listening on \`server.host:server.port\`. Starts without Redis.`,
      },
      cut('src/api.ts', `  let dashboard: { server: RunningServer; queue: FailFastQueue } | undefined;\n`),
      cut('src/api.ts', `      dashboard = await startDashboard(config, logger);\n`),
      cut(
        'src/api.ts',
        `        await dashboard?.server.close();
        await dashboard?.queue.close().catch(() => undefined);
`,
      ),
      // Its configuration: the admin block, its overrides and the YAML files that set it.
      cut(
        'src/infra/config/schema.ts',
        `  // The queue dashboard's own listener; on only when ADMIN_USER and ADMIN_PASSWORD are set.
  admin: v.optional(
    v.strictObject({
      host: v.optional(v.pipe(v.string(), v.nonEmpty()), '127.0.0.1'),
      port: v.optional(Port, 8083),
      read_only: v.optional(v.boolean(), false),
    }),
    {},
  ),
`,
      ),
      cut(
        'src/infra/config/load-config.ts',
        `  ADMIN_HOST: ['admin.host'],\n  ADMIN_PORT: ['admin.port', 'number'],\n`,
      ),
      // Its login: ADMIN_USER / ADMIN_PASSWORD.
      cut(
        'src/infra/config/load-config.ts',
        `      admin: basicCredentials(environment, 'ADMIN', 'the queue dashboard'),\n`,
      ),
      cut('src/infra/config/load-config.ts', LOGINS_DIFFER),
      cut('src/infra/config/schema.ts', ADMIN_SECRET),
      cut('src/infra/config/load-config.test.ts', `    ['ADMIN', 'admin', 'the queue dashboard'],\n`),
      cut('src/infra/config/load-config.test.ts', LOGINS_DIFFER_TEST),
      cut('docker-compose.jobqueue.yml', `#   ADMIN_USER / ADMIN_PASSWORD        the queue dashboard's login\n`),
      cut(
        'docker-compose.jobqueue.yml',
        `    ADMIN_USER: \${ADMIN_USER:-}\n    ADMIN_PASSWORD: \${ADMIN_PASSWORD:-}\n`,
      ),
      {
        file: 'test/ops/container-image.test.ts',
        find: `['ADMIN_USER', 'ADMIN_PASSWORD', 'METRICS_USER', 'METRICS_PASSWORD']`,
        replace: `['METRICS_USER', 'METRICS_PASSWORD']`,
      },
      cut('test/e2e/metrics.test.ts', DASHBOARD_LOGIN_TEST),
      ...[
        'config/develop/config.yaml',
        'config/staging/config.yaml',
        'config/test/config.yaml',
        'config/production/config.yaml.example',
      ].map((file) =>
        cut(
          file,
          `admin:                    # queue dashboard (/admin/queues): on only with ADMIN_USER and ADMIN_PASSWORD set
  host: "127.0.0.1"       # keep it private; reach it through a tunnel or an internal network
  port: 8083
  read_only: false         # true: see jobs, retry/promote/remove none
`,
        ),
      ),
      cut('docker-compose.jobqueue.yml', `    ADMIN_HOST: 0.0.0.0\n`),
      cut(
        'docker-compose.jobqueue.yml',
        `      # The queue dashboard: keep it on a private address.
      - "127.0.0.1:\${ADMIN_PUBLISH_PORT:-8083}:8083"
`,
      ),
      // npm run dev: its port check and its address.
      {
        file: 'scripts/dev.ts',
        find: `  const { server, jobqueue, admin } = config.app;
  const wanted = [`,
        replace: `  const { server, jobqueue } = config.app;
  const wanted = [`,
      },
      cut(
        'scripts/dev.ts',
        `    { what: 'the queue dashboard', host: admin.host, port: admin.port, variable: 'ADMIN_PORT', key: 'admin.port' },
`,
      ),
      {
        file: 'scripts/dev.ts',
        find: `  const { server, jobqueue, admin } = config.app;
  const base =`,
        replace: `  const { server, jobqueue } = config.app;
  const base =`,
      },
      cut(
        'scripts/dev.ts',
        `  if (config.secrets.admin) {
    const { username, password } = config.secrets.admin;
    say(
      \`dashboard:     http://\${admin.host}:\${admin.port}/admin/queues   (login \${username} / \${password}, from .env.develop.local)\`,
    );
  }
`,
      ),
      cut('scripts/lib/ensure-dev-admin.ts', `    { key: 'admin', prefix: 'ADMIN', what: 'queue dashboard' },\n`),
      cut('test/ops/dev-admin.test.ts', `  ['admin', 'ADMIN', 'queue dashboard'],\n`),
      // The processes the tests start no longer need a port for it.
      {
        file: 'test/helpers/stack.ts',
        find: `  const [apiPort, workerPort, adminPort] = [await freePort(), await freePort(), await freePort()];`,
        replace: `  const [apiPort, workerPort] = [await freePort(), await freePort()];`,
      },
      cut('test/helpers/stack.ts', `    ADMIN_PORT: String(adminPort),\n`),
      cut(
        'test/helpers/stack.ts',
        `  /** The queue dashboard's listener (running only with ADMIN_USER/ADMIN_PASSWORD). */
  adminUrl: string;
`,
      ),
      cut('test/helpers/stack.ts', `    adminUrl: \`http://127.0.0.1:\${adminPort}\`,\n`),
      {
        file: 'test/ops/container-image.test.ts',
        find: `    const [apiPort, workerPort, adminPort] = [await freePort(), await freePort(), await freePort()];`,
        replace: `    const [apiPort, workerPort] = [await freePort(), await freePort()];`,
      },
      cut('test/ops/container-image.test.ts', `      ADMIN_PORT: String(adminPort),\n`),
      // The security checklist's dashboard case.
      cut('test/integration/security-checklist.test.ts', `import { Queue } from 'bullmq';\n`),
      cut(
        'test/integration/security-checklist.test.ts',
        `import { createDashboardApp, DASHBOARD_BODY_LIMIT_BYTES } from '../../src/infra/admin/queue-dashboard.js';\n`,
      ),
      cut(
        'test/integration/security-checklist.test.ts',
        `import { useRedisFixture } from '../helpers/redis-fixture.js';\n`,
      ),
      cut(
        'test/integration/security-checklist.test.ts',
        `import { uniqueQueueName } from '../helpers/redis-config.js';\n`,
      ),
      cut('test/integration/security-checklist.test.ts', `  const fixture = useRedisFixture();\n\n`),
      cut(
        'test/integration/security-checklist.test.ts',
        `const ADMIN = { username: 'admin', password: 'correct horse battery' };\n`,
      ),
      cut('test/ops/first-run.test.ts', `    expect(result.stdout).toContain('the queue dashboard is off');\n`),
      cut('scripts/demo.ts', `    ADMIN_USER: '',\n    ADMIN_PASSWORD: '',\n`),
      cut(
        'test/integration/security-checklist.test.ts',
        `  it('the dashboard refuses every route without credentials (wrong password of any length too) and limits every body', async () => {
    const queue = new Queue(uniqueQueueName('security'), {
      connection: { host: '127.0.0.1', port: fixture.redis.port },
    });
    try {
      const app = createDashboardApp({ queue, credentials: ADMIN, readOnly: false });
      const everyRoute = app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => ({ method: route.method, path: route.path.replace(/:\\w+/g, 'x').replace('*', 'x') }));
      expect(everyRoute.length).toBeGreaterThan(5);
      for (const route of everyRoute) {
        for (const authorization of [
          undefined,
          basic('admin', 'wrong'),
          basic('admin', \`\${ADMIN.password}x\`),
          basic('root', ADMIN.password),
        ]) {
          const response = await app.request(route.path, {
            method: route.method,
            headers: authorization ? { authorization } : {},
          });
          // 401, or 429 once this address has spent its failed logins (basic-auth-throttle.ts): never let in.
          expect([401, 429], \`\${route.method} \${route.path} with \${authorization ?? 'no credentials'}\`).toContain(
            response.status,
          );
        }
      }
      // A fresh app: the guesses above have spent this address's failed logins.
      const fresh = createDashboardApp({ queue, credentials: ADMIN, readOnly: false });
      const writes = bodyRoutes(fresh);
      expect(writes.length).toBeGreaterThan(3);
      for (const route of writes) {
        const response = await fresh.request(route.path, {
          method: route.method,
          headers: { authorization: basic(ADMIN.username, ADMIN.password), 'content-type': 'application/json' },
          body: 'x'.repeat(DASHBOARD_BODY_LIMIT_BYTES + 1),
        });
        expect(response.status, \`\${route.method} \${route.path}\`).toBe(413);
      }
      const page = await fresh.request('/admin/queues', {
        headers: { authorization: basic(ADMIN.username, ADMIN.password) },
      });
      expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      await queue.close();
    }
  });

`,
      ),
    ],
  },

  {
    name: 'metrics',
    // bench/ measures what the metrics cost (section 8); the recipe is checked with it removed.
    after: [TOOLING],
    delete: [
      'src/infra/metrics.ts',
      'src/infra/metrics.test.ts',
      'test/e2e/metrics.test.ts',
      'test/e2e/prometheus.test.ts',
      'test/ops/prometheus-rules.test.ts',
      'prometheus/prometheus.yml',
      'prometheus/dm-jobqueue.rules.yml',
      'prometheus/dm-jobqueue.rules.test.yml',
    ],
    packages: ['prom-client'],
    edits: [
      // src/app.ts: the middleware, the route and their deps.
      {
        file: 'src/app.ts',
        find: `import type { AppConfig, BasicCredentials } from './infra/config/schema.js';`,
        replace: `import type { AppConfig } from './infra/config/schema.js';`,
      },
      cut(
        'src/app.ts',
        `import { createMetricsRoutes, httpMetrics, zeroHttpRoute, type ApiMetrics } from './infra/metrics.js';
`,
      ),
      cut(
        'src/app.ts',
        `  /** Prometheus metrics (an optional extra); \`/metrics\` is served only with \`metricsCredentials\`. */
  metrics?: ApiMetrics | undefined;
  metricsCredentials?: BasicCredentials | undefined;
`,
      ),
      cut(
        'src/app.ts',
        `  if (deps.metrics) app.use(httpMetrics(deps.metrics));
`,
      ),
      {
        file: 'src/app.ts',
        find: `  const listeners = [deps.onRegistration, deps.metrics?.countRegistration].filter((listener) => listener !== undefined);`,
        replace: `  const listeners = [deps.onRegistration].filter((listener) => listener !== undefined);`,
      },
      cut(
        'src/app.ts',
        `  const { metrics, metricsCredentials } = deps;
  // The API's routes start at 0 for each status: rate() misses the first increment of a new series.
  const apiRoutes = app.routes.filter((route) => route.path.startsWith('/api/') && route.method !== 'ALL');
  if (metrics) for (const { method, path } of apiRoutes) zeroHttpRoute(metrics, method, path);
  if (metrics && metricsCredentials) app.route('/', createMetricsRoutes(metrics.registry, metricsCredentials));
`,
      ),
      // src/api.ts: the registry and the credentials it was served with.
      cut('src/api.ts', `import { createApiMetrics } from './infra/metrics.js';\n`),
      {
        file: 'src/api.ts',
        find: ` * forever) and the queue on it, the rate limiter and the metrics. Connecting is not starting:`,
        replace: ` * forever) and the queue on it, and the rate limiter. Connecting is not starting:`,
      },
      cut(
        'src/api.ts',
        `  if (!config.secrets.metrics) logger.info('metrics (/metrics) are off: set METRICS_USER and METRICS_PASSWORD');\n`,
      ),
      cut('src/api.ts', `    metrics: createApiMetrics(),\n    metricsCredentials: config.secrets.metrics,\n`),
      // src/worker.ts: the worker's counters, its /metrics and the queue-depth reader.
      {
        file: 'src/worker.ts',
        find: ` * \`GET /health\` (and \`/metrics\`) on \`jobqueue.port\`.`,
        replace: ` * \`GET /health\` on \`jobqueue.port\`.`,
      },
      cut('src/worker.ts', `import { createMetricsRoutes, createWorkerMetrics } from './infra/metrics.js';\n`),
      {
        file: 'src/worker.ts',
        find: `import { createFailFastQueue, queueLocation, type FailFastQueue } from './infra/queue/bullmq-queue.js';`,
        replace: `import { queueLocation } from './infra/queue/bullmq-queue.js';`,
      },
      cut(
        'src/worker.ts',
        `  // Made at the first scrape (metrics, an extra); while Redis is down a scrape just lacks the depth.
  let depthQueue: FailFastQueue | undefined;
  const metrics = createWorkerMetrics(
    definitions.map((definition) => definition.type),
    () => (depthQueue ??= createFailFastQueue(location, redis, logger, 'metrics')).queue.getJobCounts(),
  );
`,
      ),
      cut(
        'src/worker.ts',
        `      const scrape = config.secrets.metrics;
      if (scrape) app.route('/', createMetricsRoutes(metrics.registry, scrape));
      else logger.info('metrics (/metrics) are off: set METRICS_USER and METRICS_PASSWORD');
`,
      ),
      cut('src/worker.ts', `        events: metrics.events,\n`),
      cut('src/worker.ts', `        await depthQueue?.close().catch(() => undefined);\n`),
      {
        file: 'src/infra/queue/bullmq-worker.ts',
        find: `/** Hooks for the worker's metrics (an optional extra, src/infra/metrics.ts). */`,
        replace: `/** Hooks on every job's end (metrics, alerts). */`,
      },
      // Its login: METRICS_USER / METRICS_PASSWORD.
      cut('src/infra/config/load-config.ts', `      metrics: basicCredentials(environment, 'METRICS', '/metrics'),\n`),
      cut('src/infra/config/load-config.ts', LOGINS_DIFFER),
      cut('src/infra/config/schema.ts', METRICS_SECRET),
      cut('src/infra/config/load-config.test.ts', `    ['METRICS', 'metrics', '/metrics'],\n`),
      cut('src/infra/config/load-config.test.ts', LOGINS_DIFFER_TEST),
      cut('scripts/lib/ensure-dev-admin.ts', `    { key: 'metrics', prefix: 'METRICS', what: '/metrics' },\n`),
      cut('test/ops/dev-admin.test.ts', `  ['metrics', 'METRICS', '/metrics'],\n`),
      cut('scripts/dev.ts', DEV_METRICS_LINE),
      cut(
        'docker-compose.jobqueue.yml',
        `#   METRICS_USER / METRICS_PASSWORD    Prometheus's scrape login: /metrics only\n`,
      ),
      cut(
        'docker-compose.jobqueue.yml',
        `    METRICS_USER: \${METRICS_USER:-}\n    METRICS_PASSWORD: \${METRICS_PASSWORD:-}\n`,
      ),
      {
        file: 'test/ops/container-image.test.ts',
        find: `['ADMIN_USER', 'ADMIN_PASSWORD', 'METRICS_USER', 'METRICS_PASSWORD']`,
        replace: `['ADMIN_USER', 'ADMIN_PASSWORD']`,
      },
      cut('test/reliability/lib/processes.ts', `    METRICS_USER: '',\n    METRICS_PASSWORD: '',\n`),
      // Tests of the metrics.
      cut('src/routes/idempotency-key.test.ts', `import { createApiMetrics } from '../infra/metrics.js';\n`),
      {
        file: 'src/routes/idempotency-key.test.ts',
        find: `  const metrics = createApiMetrics();
  const app = createTestApp({ producer, idempotency, metrics });`,
        replace: `  const app = createTestApp({ producer, idempotency });`,
      },
      {
        file: 'src/routes/idempotency-key.test.ts',
        find: `  return { producer, idempotency, register, metrics };`,
        replace: `  return { producer, idempotency, register };`,
      },
      cut(
        'src/routes/idempotency-key.test.ts',
        `  it('counts a replay as replayed, not as a second stored registration', async () => {
    const { register, metrics } = setup();
    await register({}, 'k-metrics');
    await register({}, 'k-metrics');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/dm_jobqueue_jobs_registered_total\\{job_type="demo:delay_print",outcome="stored"\\} 1\\n/);
    expect(text).toMatch(/dm_jobqueue_jobs_registered_total\\{job_type="demo:delay_print",outcome="replayed"\\} 1\\n/);
  });

`,
      ),
      {
        file: 'test/integration/security-checklist.test.ts',
        find: `  it('the page and the docs carry a same-origin CSP; /metrics needs the metrics login', async () => {
    const app = createTestApp({
      metrics: (await import('../../src/infra/metrics.js')).createApiMetrics(),
      metricsCredentials: SCRAPE,
    });`,
        replace: `  it('the page and the docs carry a same-origin CSP', async () => {
    const app = createTestApp();`,
      },
      cut(
        'test/integration/security-checklist.test.ts',
        `    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: basic('admin', 'nope') } })).status).toBe(401);
    expect(
      (await app.request('/metrics', { headers: { authorization: basic(SCRAPE.username, SCRAPE.password) } })).status,
    ).toBe(200);
`,
      ),
      cut(
        'test/integration/security-checklist.test.ts',
        `const SCRAPE = { username: 'prometheus', password: 'scrape only, staple' };\n`,
      ),
      cut('test/ops/first-run.test.ts', `    expect(result.stdout).toContain('metrics (/metrics) are off');\n`),
      cut('scripts/demo.ts', `    METRICS_USER: '',\n    METRICS_PASSWORD: '',\n`),
    ],
  },

  {
    name: 'the login throttle',
    delete: ['src/infra/http/basic-auth-throttle.ts', 'src/infra/http/basic-auth-throttle.test.ts'],
    edits: [
      {
        file: 'src/infra/metrics.ts',
        find: `import { throttledBasicAuth } from './http/basic-auth-throttle.js';\n`,
        replace: '',
      },
      {
        file: 'src/infra/metrics.ts',
        find: `import { Hono, type MiddlewareHandler } from 'hono';\n`,
        replace: `import { Hono, type MiddlewareHandler } from 'hono';\nimport { basicAuth } from 'hono/basic-auth';\n`,
      },
      {
        file: 'src/infra/metrics.ts',
        find: `    .use('/metrics', throttledBasicAuth({ username, password, realm: 'dm-jobqueue metrics' }))`,
        replace: `    .use('/metrics', basicAuth({ username, password, realm: 'dm-jobqueue metrics' }))`,
      },
      cut(
        'src/infra/admin/queue-dashboard.ts',
        `import { throttledBasicAuth } from '../http/basic-auth-throttle.js';\n`,
      ),
      {
        file: 'src/infra/admin/queue-dashboard.ts',
        find: `import { Hono, type MiddlewareHandler } from 'hono';\n`,
        replace: `import { Hono, type MiddlewareHandler } from 'hono';\nimport { basicAuth } from 'hono/basic-auth';\n`,
      },
      {
        file: 'src/infra/admin/queue-dashboard.ts',
        find: `    .use('*', throttledBasicAuth({ ...credentials, realm: 'dm-jobqueue admin' }))`,
        replace: `    .use('*', basicAuth({ ...credentials, realm: 'dm-jobqueue admin' }))`,
      },
      // The dashboard's refusals are 401 only again, and one app serves the whole case.
      {
        file: 'test/integration/security-checklist.test.ts',
        find: `          // 401, or 429 once this address has spent its failed logins (basic-auth-throttle.ts): never let in.
          expect([401, 429], \`\${route.method} \${route.path} with \${authorization ?? 'no credentials'}\`).toContain(
            response.status,
          );`,
        replace: `          expect(response.status, \`\${route.method} \${route.path} with \${authorization ?? 'no credentials'}\`).toBe(401);`,
      },
      {
        file: 'test/integration/security-checklist.test.ts',
        find: `      // A fresh app: the guesses above have spent this address's failed logins.
      const fresh = createDashboardApp({ queue, credentials: ADMIN, readOnly: false });
      const writes = bodyRoutes(fresh);`,
        replace: `      const writes = bodyRoutes(app);`,
      },
      {
        file: 'test/integration/security-checklist.test.ts',
        find: `        const response = await fresh.request(route.path, {`,
        replace: `        const response = await app.request(route.path, {`,
      },
      {
        file: 'test/integration/security-checklist.test.ts',
        find: `      const page = await fresh.request('/admin/queues', {`,
        replace: `      const page = await app.request('/admin/queues', {`,
      },
    ],
  },

  {
    name: 'the Lambda entry',
    delete: ['src/lambda.ts', 'test/integration/lambda.test.ts'],
    edits: [
      {
        file: 'src/api.ts',
        find: ` * The API's wiring: the real clients behind createApp's ports, and the listeners. Used by the HTTP
 * entry (src/server.ts) and the Lambda entry (src/lambda.ts). Every optional extra is one line here.`,
        replace: ` * The API's wiring: the real clients behind createApp's ports, and the listeners. Used by the HTTP
 * entry (src/server.ts). Every optional extra is one line here.`,
      },
    ],
  },

  {
    name: 'the Redis Cluster rate-limit store',
    // bench/ starts a cluster and measures the limiter on it; the recipe is checked with it removed.
    after: [TOOLING],
    delete: [
      'src/infra/rate-limit/cluster-store.ts',
      'scripts/start-redis-cluster.sh',
      'docker-compose.redis-cluster.yml',
      'redis/redis-cluster.conf',
      'redis/data/cluster',
      'test/helpers/redis-cluster.ts',
      'test/helpers/free-port-block.ts',
      'test/integration/rate-limit-cluster.test.ts',
      'test/ops/start-redis-cluster.test.ts',
      'test/reliability/15.4-many-hosts.test.ts',
    ],
    npmScripts: ['redis-cluster:start', 'redis-cluster:stop', 'redis-cluster:status'],
    edits: [
      // src/api.ts: the cluster store handed to the rate limiter.
      cut(
        'src/api.ts',
        `import { clusterStoreFromConfig } from './infra/rate-limit/cluster-store.js';
`,
      ),
      cut(
        'src/api.ts',
        `  // Rate-limit counters in a Redis Cluster (extra) when api.rate_limit.storage_type asks for it.
  const cluster = clusterStoreFromConfig(config, logger);
`,
      ),
      {
        file: 'src/api.ts',
        find: `    rateLimit: createRateLimit(config, logger, cluster),`,
        replace: `    rateLimit: createRateLimit(config, logger),`,
      },
      cut(
        'src/api.ts',
        `      cluster?.close();
`,
      ),
      {
        file: 'src/infra/rate-limit/rate-limit.ts',
        find: `/** A store for the counters: memory here, or a Redis Cluster (cluster-store.ts). */`,
        replace: `/** A store for the counters: memory unless a test passes another. */`,
      },
      {
        file: 'src/infra/rate-limit/rate-limit.ts',
        find: ` * @example createRateLimit(config, logger, { store: clusterStore(cluster, timeoutMs), label: 'Redis Cluster …' })`,
        replace: ` * @example createRateLimit(config, logger)`,
      },
      // Its configuration: redis.default.cluster, api.rate_limit.storage_type, their start-up check and overrides.
      cut(
        'src/infra/config/schema.ts',
        `      storage_type: v.picklist(['auto', 'redis', 'memory']),
`,
      ),
      {
        file: 'src/infra/config/schema.ts',
        find: `/** Connection options shared by the job-queue Redis and the cache cluster. */`,
        replace: `/** Connection options of the job-queue Redis. */`,
      },
      cut(
        'src/infra/config/schema.ts',
        `    default: v.optional(
      v.strictObject({
        cluster: v.strictObject({ addrs: v.array(AddrSchema), ...ConnectionFields }),
      }),
      { cluster: { addrs: [] } },
    ),
`,
      ),
      cut(
        'src/infra/config/schema.ts',
        `export type RedisClusterConfig = CacheServerConfig['redis']['default']['cluster'];
`,
      ),
      cut(
        'src/infra/config/load-config.ts',
        `  checkRateLimitStorage(config, dir);
`,
      ),
      cut(
        'src/infra/config/load-config.ts',
        `/** storage_type "redis" without cluster nodes cannot work; say so at start-up, not at the first request. */
function checkRateLimitStorage(config: Config, dir: string): void {
  const { enabled, storage_type: storageType } = config.app.api.rate_limit;
  if (enabled && storageType === 'redis' && config.cache.redis.default.cluster.addrs.length === 0) {
    throw new ConfigError(
      path.join(path.relative(process.cwd(), dir) || '.', config.env, 'cacheserver.yaml'),
      'redis.default.cluster.addrs',
      'must list at least one node when api.rate_limit.storage_type is "redis" (config.yaml); use "auto" or "memory" to run without a cluster',
    );
  }
}

`,
      ),
      cut(
        'src/infra/config/load-config.ts',
        `  RATE_LIMIT_STORAGE_TYPE: ['api.rate_limit.storage_type'],
`,
      ),
      cut(
        'src/infra/config/load-config.ts',
        `  REDIS_DEFAULT_CLUSTER_ADDRS: ['redis.default.cluster.addrs', 'list'],
  REDIS_DEFAULT_CLUSTER_PASSWORD: ['redis.default.cluster.password'],
`,
      ),
      {
        file: 'src/infra/redis/connection.ts',
        find: `/** The connection fields every Redis setting has (\`redis.jobqueue\`, \`redis.default.cluster\`). */`,
        replace: `/** The connection fields of a Redis setting (\`redis.jobqueue\`). */`,
      },
      cut(
        'src/infra/redis/connection.ts',
        `/** A cluster's nodes, for logs. */
export function formatClusterLabel(addrs: readonly { host: string; port: number }[]): string {
  return addrs.map(formatAddr).join(',');
}

`,
      ),
      cut(
        'config/develop/cacheserver.yaml',
        `  default:                # rate limit and other caches; several nodes (D9)
    cluster:
      addrs: []           # empty -> rate limit uses memory under storage_type "auto"
`,
      ),
      cut(
        'config/test/cacheserver.yaml',
        `  default:                # rate limit and other caches; several nodes (D9)
    cluster:
      addrs: []           # empty -> rate limit uses memory under storage_type "auto"
`,
      ),
      cut(
        'config/staging/cacheserver.yaml',
        `  default:
    cluster:
      addrs:
        - "redis-cache-1.staging.internal:7000"
        - "redis-cache-2.staging.internal:7000"
        - "redis-cache-3.staging.internal:7000"
`,
      ),
      cut(
        'config/production/cacheserver.yaml.example',
        `  default:
    cluster:
      addrs:
        - "redis-cache-1.production.internal:7000"
        - "redis-cache-2.production.internal:7000"
        - "redis-cache-3.production.internal:7000"
`,
      ),
      cut(
        'config/develop/config.yaml',
        `    storage_type: "auto"         # auto | redis | memory
`,
      ),
      cut(
        'config/test/config.yaml',
        `    storage_type: "auto"         # auto | redis | memory
`,
      ),
      cut(
        'config/staging/config.yaml',
        `    storage_type: "auto"         # auto | redis | memory
`,
      ),
      cut(
        'config/production/config.yaml.example',
        `    storage_type: "auto"         # auto | redis | memory
`,
      ),
      // The development cluster: its start script, compose file, npm scripts, settings and data folder.
      cut(
        '.gitignore',
        `!redis/data/cluster/
!redis/data/cluster/.gitkeep
`,
      ),
      {
        file: 'scripts/lib/redis-common.sh',
        find: `# Helpers shared by scripts/start-redis.sh, start-redis-cluster.sh and
# start-redis-insight.sh.`,
        replace: `# Helpers shared by scripts/start-redis.sh and start-redis-insight.sh.`,
      },
      // npm run status: one line per cluster node.
      {
        file: 'scripts/status.ts',
        find: `import { baseRedisOptions, jobqueueRedisOptions, redisLabel } from '../src/infra/redis/connection.js';`,
        replace: `import { jobqueueRedisOptions, redisLabel, type baseRedisOptions } from '../src/infra/redis/connection.js';`,
      },
      {
        file: 'scripts/status.ts',
        find: ` * that it is set up for a queue: AOF on, no evicting maxmemory policy), the
 * rate-limit cluster's nodes and the queue; one line per part.`,
        replace: ` * that it is set up for a queue: AOF on, no evicting maxmemory policy) and
 * the queue; one line per part.`,
      },
      cut(
        'scripts/status.ts',
        `async function clusterChecks(config: Config): Promise<Check[]> {
  const cluster = config.cache.redis.default.cluster;
  return Promise.all(
    cluster.addrs.map(async (addr) => {
      const client = quickClient({ ...baseRedisOptions(cluster), host: addr.host, port: addr.port });
      try {
        const ping = await timed(async () => {
          await client.connect();
          return client.ping();
        });
        return {
          name: 'rate-limit cluster node',
          address: \`\${addr.host}:\${addr.port}\`,
          state: ping.error ? 'down' : 'up',
          required: true,
          ms: ping.ms,
          detail: ping.error ?? 'PONG',
        };
      } finally {
        client.disconnect();
      }
    }),
  );
}

`,
      ),
      cut(
        'scripts/status.ts',
        `    ...(await clusterChecks(config)),
`,
      ),
      // Tests: the config helper and tests, the compose file, the start script, the many-hosts scenario.
      {
        file: 'test/helpers/test-config.ts',
        find: `export function configWithRateLimit(
  rateLimit: Partial<AppConfig['api']['rate_limit']>,
  clusterAddrs: string[] = [],
): Config {`,
        replace: `export function configWithRateLimit(rateLimit: Partial<AppConfig['api']['rate_limit']>): Config {`,
      },
      cut(
        'test/helpers/test-config.ts',
        `  config.cache.redis.default.cluster.addrs = clusterAddrs.map((addr) => {
    const [host = '', port = '0'] = addr.split(':');
    return { host, port: Number(port) };
  });
`,
      ),
      {
        file: 'src/infra/rate-limit/rate-limit.test.ts',
        find: `configWithRateLimit({ requests_per_minute: perMinute, requests_per_hour: perHour, storage_type: 'memory' }),`,
        replace: `configWithRateLimit({ requests_per_minute: perMinute, requests_per_hour: perHour }),`,
      },
      {
        file: 'src/infra/rate-limit/rate-limit.test.ts',
        find: `configWithRateLimit({ requests_per_minute: 1, requests_per_hour: 0, storage_type: 'memory' });`,
        replace: `configWithRateLimit({ requests_per_minute: 1, requests_per_hour: 0 });`,
      },
      {
        file: 'src/routes/cors.test.ts',
        find: `configWithRateLimit({ requests_per_minute: 1, requests_per_hour: 0, storage_type: 'memory' }),`,
        replace: `configWithRateLimit({ requests_per_minute: 1, requests_per_hour: 0 }),`,
      },
      {
        file: 'src/infra/config/load-config.test.ts',
        find: `    expect(config.cache.redis.default.cluster.addrs).toEqual([]);
    expect(config.app.api.rate_limit).toEqual({
      enabled: true,
      requests_per_minute: 60,
      requests_per_hour: 1000,
      storage_type: 'auto',
    });`,
        replace: `    expect(config.app.api.rate_limit).toEqual({ enabled: true, requests_per_minute: 60, requests_per_hour: 1000 });`,
      },
      cut(
        'src/infra/config/load-config.test.ts',
        `      REDIS_DEFAULT_CLUSTER_ADDRS: 'a:7000, b:7001',
`,
      ),
      cut(
        'src/infra/config/load-config.test.ts',
        `    expect(config.cache.redis.default.cluster.addrs).toEqual([
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ]);
`,
      ),
      {
        file: 'src/infra/config/load-config.test.ts',
        find: `          'server: { port: "80" }\\njobqueue: { port: 8082 }\\napi: { rate_limit: { enabled: true, requests_per_minute: 1, requests_per_hour: 0, storage_type: auto } }',`,
        replace: `          'server: { port: "80" }\\njobqueue: { port: 8082 }\\napi: { rate_limit: { enabled: true, requests_per_minute: 1, requests_per_hour: 0 } }',`,
      },
      {
        file: 'src/infra/config/load-config.test.ts',
        find: `          'server: { port: 80, prot: 1 }\\njobqueue: { port: 8082 }\\napi: { rate_limit: { enabled: true, requests_per_minute: 1, requests_per_hour: 0, storage_type: auto } }',`,
        replace: `          'server: { port: 80, prot: 1 }\\njobqueue: { port: 8082 }\\napi: { rate_limit: { enabled: true, requests_per_minute: 1, requests_per_hour: 0 } }',`,
      },
      cut(
        'src/infra/config/load-config.test.ts',
        `    [
      'a bad storage type',
      {
        config:
          'server: { port: 80 }\\njobqueue: { port: 8082 }\\napi: { rate_limit: { enabled: true, requests_per_minute: 1, requests_per_hour: 0, storage_type: disk } }',
      },
      'api.rate_limit.storage_type',
      /Expected \\("auto" \\| "redis" \\| "memory"\\)/,
    ],
`,
      ),
      cut(
        'src/infra/config/load-config.test.ts',
        `    [
      'a bad cluster address',
      { cacheserver: 'redis: { jobqueue: { addr: "h:1" }, default: { cluster: { addrs: ["h:99999"] } } }' },
      'redis.default.cluster.addrs.0',
      /must be "host:port"/,
    ],
`,
      ),
      cut(
        'src/infra/config/load-config.test.ts',
        `
describe('loadConfig: rate-limit storage', () => {
  it('refuses storage_type "redis" without cluster nodes, naming the key', () => {
    const error = failure(() => load({ RATE_LIMIT_STORAGE_TYPE: 'redis' }));
    expect(error.key).toBe('redis.default.cluster.addrs');
    expect(error.file).toMatch(/develop\\/cacheserver\\.yaml$/);
    expect(error.reason).toMatch(/storage_type is "redis"/);
  });

  it('accepts storage_type "redis" once nodes are configured', () => {
    const config = load({ RATE_LIMIT_STORAGE_TYPE: 'redis', REDIS_DEFAULT_CLUSTER_ADDRS: '127.0.0.1:7000' });
    expect(config.app.api.rate_limit.storage_type).toBe('redis');
  });
});
`,
      ),
      cut(
        'test/ops/compose-files.test.ts',
        `describe('docker-compose.redis-cluster.yml (redis.default.cluster.addrs, D9)', () => {
  const file = compose('docker-compose.redis-cluster.yml');
  const nodes = Object.entries(file.services).filter(([, node]) => node.command?.[0] === 'redis-server');

  it('runs 3 cluster nodes from the same pinned image as the job-queue Redis, with AOF', () => {
    expect(nodes).toHaveLength(3);
    const jobqueueImage = service(compose('docker-compose.redis.yml'), 'redis-jobqueue').image;
    for (const [, node] of nodes) {
      expect(node.image).toBe(jobqueueImage);
      expect(flags(node.command).get('appendonly')).toBe('yes');
      expect(node.command?.[1]).toBe('/usr/local/etc/redis/redis-cluster.conf');
      expect(['always', 'unless-stopped']).toContain(node.restart);
      expect(node.healthcheck?.test.join(' ')).toMatch(/redis-cli -p \\d+ ping/);
    }
    const conf = redisConf('redis/redis-cluster.conf');
    expect(conf.get('cluster-enabled')).toBe('yes');
    expect(conf.get('appendonly')).toBe('yes');
    expect(conf.get('appendfsync')).toBe('everysec');
  });

  it('announces 127.0.0.1 and the published port of each node, so clients on the host reach them', () => {
    const ports = nodes.map(([, node]) => flags(node.command).get('port'));
    expect(ports).toEqual(['7000', '7001', '7002']);
    for (const [, node] of nodes) {
      const command = flags(node.command);
      expect(command.get('cluster-announce-ip')).toBe('127.0.0.1');
      expect(command.get('cluster-announce-port')).toBe(command.get('port'));
    }
    expect(service(file, 'redis-cluster-1').ports).toEqual([
      '127.0.0.1:7000:7000',
      '127.0.0.1:7001:7001',
      '127.0.0.1:7002:7002',
    ]);
    expect(service(file, 'redis-cluster-2').network_mode).toBe('service:redis-cluster-1');
    expect(service(file, 'redis-cluster-3').network_mode).toBe('service:redis-cluster-1');
  });

  it('keeps each node in ./redis/data/cluster/<port>', () => {
    expect(nodes.map(([, node]) => node.volumes?.[0])).toEqual([
      './redis/data/cluster/7000:/data',
      './redis/data/cluster/7001:/data',
      './redis/data/cluster/7002:/data',
    ]);
  });

  it('follows the ports the start script passes', () => {
    const moved = compose('docker-compose.redis-cluster.yml', {
      REDIS_CLUSTER_PORT_1: '7100',
      REDIS_CLUSTER_PORT_2: '7101',
      REDIS_CLUSTER_PORT_3: '7102',
    });
    expect(service(moved, 'redis-cluster-1').ports).toEqual([
      '127.0.0.1:7100:7100',
      '127.0.0.1:7101:7101',
      '127.0.0.1:7102:7102',
    ]);
    expect(service(moved, 'redis-cluster-init').command?.join(' ')).toContain(
      '127.0.0.1:7100 127.0.0.1:7101 127.0.0.1:7102',
    );
  });

  it('creates the cluster once with a one-shot init service', () => {
    const init = service(file, 'redis-cluster-init');
    const script = init.command?.join(' ') ?? '';
    expect(script).toMatch(
      /redis-cli --cluster create 127\\.0\\.0\\.1:7000 127\\.0\\.0\\.1:7001 127\\.0\\.0\\.1:7002 --cluster-replicas 0 --cluster-yes/,
    );
    expect(script).toContain('cluster_slots_assigned:0');
    expect(init.restart).toBe('no');
    expect(init.depends_on).toEqual({
      'redis-cluster-1': { condition: 'service_healthy' },
      'redis-cluster-2': { condition: 'service_healthy' },
      'redis-cluster-3': { condition: 'service_healthy' },
    });
  });
});

`,
      ),
      {
        file: 'test/ops/compose-files.test.ts',
        find: `  it.for([
    'redis/data/jobqueue/.gitkeep',
    'redis/insight/.gitkeep',
    'redis/data/cluster/.gitkeep',
    'redis/data/sentinel/.gitkeep',
  ])('keeps %s in the repository', (file) => {
    expect(existsSync(path.join(PROJECT_ROOT, file))).toBe(true);
    expect(ignored(file)).toBe(false);
  });`,
        replace: `  it.for(['redis/data/jobqueue/.gitkeep', 'redis/insight/.gitkeep', 'redis/data/sentinel/.gitkeep'])(
    'keeps %s in the repository',
    (file) => {
      expect(existsSync(path.join(PROJECT_ROOT, file))).toBe(true);
      expect(ignored(file)).toBe(false);
    },
  );`,
      },
      cut(
        'test/ops/compose-files.test.ts',
        `    'redis/data/cluster/7000/nodes.conf',
    'redis/data/cluster/7000/appendonlydir/appendonly.aof.1.base.rdb',
`,
      ),
      cut(
        'test/ops/compose-files.test.ts',
        `    expect(ignored('redis/redis-cluster.conf')).toBe(false);
`,
      ),
      {
        file: 'test/ops/first-run.test.ts',
        find: `    for (const file of ['start-redis.sh', 'start-redis-insight.sh', 'start-redis-cluster.sh']) {`,
        replace: `    for (const file of ['start-redis.sh', 'start-redis-insight.sh']) {`,
      },
      cut(
        'test/helpers/run-script.ts',
        `  'REDIS_CLUSTER_BASE_PORT',
  'REDIS_CLUSTER_DATA_DIR',
`,
      ),
      cut(
        'scripts/ensure-system-packages.mjs',
        `    {
      what: 'redis-cli',
      found: () => onPath('redis-cli'),
      pkg: 'redis-tools',
      why: 'the many-hosts scenario builds its rate-limit cluster with it',
    },
`,
      ),
    ],
  },
];
