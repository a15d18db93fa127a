import type { LoadResult } from './load.js';
import { ENQUEUE_METHODS, type EnqueueMethod, type EnqueueRun } from '../sections/enqueue.js';
import type { AuthCost } from '../sections/auth-cost.js';
import { renderCapacity, type CapacityResults } from '../sections/capacity.js';
import type { HttpResults } from '../sections/http.js';
import { medianCpuPerJob, type WorkerRun } from '../sections/worker.js';
import { fmt, fmtSpread, percentile, spread } from './stats.js';

import type { ColdStart } from '../sections/cold-start.js';
import type { ProfiledTarget } from '../sections/profile.js';
import type { EquivalenceRow } from '../sections/equivalence.js';
import type { TimeShare } from './cpu-profile.js';

/** bench/profile-baseline.json: a profile summary kept to compare later runs with. */
export interface ProfileBaseline {
  label: string;
  date: string;
  targets: ProfiledTarget[];
}

export interface Sections {
  coldStart?: ColdStart;
  environment: string;
  rounds: number;
  seconds: number;
  http?: HttpResults;
  enqueue?: Record<EnqueueMethod, EnqueueRun[]>;
  workers?: Map<string, WorkerRun[]>;
  delay?: Map<string, number[]>;
  /** 100 jobs due 50 ms apart: lateness of jobs that come due one at a time. */
  delaySparse?: Map<string, number[]>;
  /** Share of one core each idle Redis variant used. */
  idleCpu?: Record<string, number>;
  bytesPerJob?: number;
  failFast?: { p50: number; p99: number; max: number; statuses: number[] };
  redisReference?: Record<string, number>;
  auth?: AuthCost;
  capacity?: { results: CapacityResults; count: number; concurrency: number };
  equivalence?: EquivalenceRow[];
  profile?: { current: ProfiledTarget[]; baseline?: ProfileBaseline };
}

const BARE = 'bare Hono (no Redis)';
const FULL = 'full register, limiter memory';

/** Per-round ratios a/b (runs are paired by round), then their spread. */
function pairedRatio(a: readonly number[], b: readonly number[]) {
  return spread(a.map((value, i) => value / (b[i] ?? Number.NaN)));
}

const rps = (runs: readonly LoadResult[]) => runs.map((run) => run.requestsPerSecond);
const verdict = (met: boolean) => (met ? '**met**' : '**not met**');

function httpSection(http: HttpResults, goals: string[]): string {
  const bare = rps(http.runs.get(BARE) ?? []);
  const rows = [...http.runs].map(([name, runs]) => {
    const ratio = pairedRatio(rps(runs), bare);
    const p50 = spread(runs.map((run) => run.p50Ms));
    const p99 = spread(runs.map((run) => run.p99Ms));
    const failures = runs.reduce((sum, run) => sum + run.failures, 0);
    const cpu = spread(runs.map((run) => run.serverMicrosPerRequest));
    return `| ${name} | ${fmtSpread(spread(rps(runs)))} | ${fmtSpread(ratio, 2)} | ${fmt(cpu.median)} (${fmt(cpu.min)}–${fmt(cpu.max)}) | ${fmt(p50.median, 1)} | ${fmt(p99.median, 1)} | ${failures} |`;
  });
  const full = rps(http.runs.get(FULL) ?? []);
  const against = (name: string) => pairedRatio(full, rps(http.runs.get(name) ?? [])).median;
  // The same comparison in server CPU per request: ours as a multiple of theirs (below 1: ours is cheaper).
  const cpu = (name: string) => (http.runs.get(name) ?? []).map((run) => run.serverMicrosPerRequest);
  const cpuNote = (name: string) =>
    `; server CPU per request ${fmt(pairedRatio(cpu(FULL), cpu(name)).median, 2)}× theirs`;
  const cpuRatio = (name: string) => pairedRatio(cpu(FULL), cpu(name)).median;
  const fastify = 'Fastify, feature-equivalent';
  goals.push(
    `| everything on ≤ 1.2× the server CPU per request of the ${fastify} route (per-round ratio, median) | ${fmt(cpuRatio(fastify), 2)}× (${fmtSpread(pairedRatio(cpu(FULL), cpu(fastify)), 2)}); req/s ${fmt(against(fastify), 2)}× | ${verdict(cpuRatio(fastify) <= 1.2)} |`,
  );

  for (const [name, target] of [
    ['Express, feature-equivalent', 3],
    ['minimal Hono + queue.add', 0.85],
  ] as const) {
    goals.push(
      `| everything on ≥ ${target}× ${name} | ${fmt(against(name), 2)}×${cpuNote(name)} | ${verdict(against(name) >= target)} |`,
    );
  }
  const off = http.runs.get('full register, limiter off') ?? [];
  const clusterRuns = http.runs.get('full register, limiter cluster') ?? [];
  const extra = (pick: (run: LoadResult) => number) =>
    spread(clusterRuns.map((run, i) => pick(run) - pick(off[i] ?? run)));
  const rss = [...http.rss].map(([name, value]) => `| ${name} | ${fmt(value.idle, 1)} | ${fmt(value.after, 1)} |`);
  const apiRss = http.rss.get(FULL)?.after ?? Number.NaN;
  const minimalRss = http.rss.get('minimal Hono + queue.add')?.after ?? Number.NaN;
  goals.push(
    `| API RSS after load, no V8 flags ≤ the minimal Hono + queue.add server's | ${fmt(apiRss, 1)} MiB vs ${fmt(minimalRss, 1)} MiB | ${verdict(apiRss <= minimalRss)} |`,
  );
  return [
    '## 1. Register throughput (50 connections)',
    '',
    "req/s: median (min–max) over the rounds; ratio: per-round ratio to the bare Hono route in the same round; server CPU: the server process's CPU time per answered request (µs), which other load on the machine moves less than req/s; latency: median of the rounds.",
    '',
    '| endpoint | req/s | × bare Hono | server CPU µs/req | p50 ms | p99 ms | non-201 |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Rate limiter cost (issue 4): memory ${fmt(pairedRatio(full, rps(off)).median, 2)}× and cluster ${fmt(pairedRatio(rps(clusterRuns), rps(off)).median, 2)}× the throughput with the limiter off; the cluster adds ${fmt(extra((run) => run.p50Ms).median, 2)} ms at p50 and ${fmt(extra((run) => run.p99Ms).median, 2)} ms at p99 per request under this load.`,
    '',
    '### Memory (RSS, MiB)',
    '',
    '| server | idle | after load |',
    '|---|---|---|',
    ...rss,
  ].join('\n');
}

function workerSection(workers: Map<string, WorkerRun[]>, goals: string[]): string {
  const raw = [...workers].find(([name]) => name.startsWith('raw'))?.[1] ?? [];
  const totalMicros = (runs: WorkerRun[]) => {
    const cpu = medianCpuPerJob(runs);
    return cpu.worker + cpu.redis;
  };
  const rows = [...workers].map(([name, runs]) => {
    const jobs = runs.map((run) => run.jobsPerSecond);
    const cpu = medianCpuPerJob(runs);
    return `| ${name} | ${fmtSpread(spread(jobs))} | ${fmtSpread(
      pairedRatio(
        jobs,
        raw.map((run) => run.jobsPerSecond),
      ),
      2,
    )} | ${fmt(cpu.worker, 0)} | ${fmt(cpu.redis, 0)} | ${fmt(spread(runs.map((run) => run.rssIdleMiB)).median, 1)} | ${fmt(spread(runs.map((run) => run.rssAfterMiB)).median, 1)} |`;
  });
  const noop = workers.get('ours: no-op job type') ?? [];
  const plain = [...workers].find(([name]) => name.startsWith('plain BullMQ Worker, same retention'))?.[1] ?? [];
  const ratio = pairedRatio(
    noop.map((run) => run.jobsPerSecond),
    plain.map((run) => run.jobsPerSecond),
  ).median;
  // Efficiency by CPU per job (worker + Redis): the plain worker's as a share of ours (1: the same; above: ours is cheaper).
  const efficiency = totalMicros(plain) / totalMicros(noop);
  goals.push(
    `| our worker ≥ 0.95× a plain BullMQ worker with the same retention, one log line per job and the payload validated, by CPU per job (worker + Redis; no-op, concurrency 16) | ${fmt(efficiency, 2)}× (CPU per job ${fmt(totalMicros(noop))} µs vs ${fmt(totalMicros(plain))} µs); jobs/s ${fmt(ratio, 2)}× | ${verdict(efficiency >= 0.95)} |`,
  );

  return [
    '## 3. Worker throughput (20,000 queued jobs, concurrency 16)',
    '',
    "CPU per job: the worker process's (`process.cpuUsage()`) and Redis's (`/proc`), medians over the rounds; they move far less than jobs/s when the machine is busy.",
    '',
    '| worker | jobs/s | × raw BullMQ | worker CPU µs/job | Redis CPU µs/job | RSS idle MiB | RSS after MiB |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function latenessRows(delay: Map<string, number[]>, idle: Record<string, number> | undefined): string[] {
  return [...delay].map(
    ([name, values]) =>
      `| ${name} | ${values.length} | ${percentile(values, 50)} | ${percentile(values, 95)} | ${percentile(values, 99)} | ${Math.max(...values)} | ${idle?.[name] === undefined ? '–' : `${fmt((idle[name] ?? 0) * 100, 1)} %`} |`,
  );
}

const shippedOf = (delay: Map<string, number[]>) =>
  [...delay].find(([name]) => name.startsWith('our worker, shipped'))?.[1] ?? [];

function delaySection(
  delay: Map<string, number[]>,
  sparse: Map<string, number[]> | undefined,
  idle: Record<string, number> | undefined,
  goals: string[],
): string {
  const sparseRows = sparse ? latenessRows(sparse, idle) : [];
  if (sparse) {
    // What docs/operations.md promises: within about one Redis tick (10 ms at the shipped hz 100).
    const sparseP99 = percentile(shippedOf(sparse), 99);
    goals.push(
      `| start lateness, shipped redis.conf, jobs due one at a time: p99 ≤ 10 ms | p99 ${sparseP99} ms | ${verdict(sparseP99 <= 10)} |`,
    );
  }
  const header = [
    '| worker, Redis | jobs | p50 | p95 | p99 | max | Redis idle CPU (one core) |',
    '|---|---|---|---|---|---|---|',
  ];
  return [
    '## 4. Delay precision (2,000 jobs due over 2 s, concurrency 16)',
    '',
    'Lateness = start − due time, in ms, all rounds pooled.',
    '',
    ...header,
    ...latenessRows(delay, idle),
    ...(sparse
      ? ['', 'Jobs due one at a time (100 jobs, 50 ms apart), the usual case:', '', ...header, ...sparseRows]
      : []),
  ].join('\n');
}

function enqueueSection(enqueue: Record<EnqueueMethod, EnqueueRun[]>): string {
  const rows = (Object.entries(enqueue) as [EnqueueMethod, EnqueueRun[]][]).map(
    ([method, runs]) =>
      `| ${ENQUEUE_METHODS[method]} | ${fmtSpread(spread(runs.map((run) => run.jobsPerSecond)))} | ${fmtSpread(spread(runs.map((run) => run.redisMicrosPerJob)), 1)} | ${fmtSpread(spread(runs.map((run) => run.nodeMicrosPerJob)), 1)} |`,
  );
  return [
    "## 2. Enqueue ceiling (20,000 delayed jobs with the register endpoint's options)",
    '',
    'CPU per job: Redis from `INFO cpu`, Node from `process.cpuUsage()` of the bench process that stores the jobs.',
    '',
    '| method | jobs/s | Redis CPU µs/job | Node CPU µs/job |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function equivalenceSection(rows: readonly EquivalenceRow[], goals: string[]): string {
  const alike = rows.filter((row) => row.same).length;
  goals.push(
    `| the feature-equivalent Fastify server answers every contract case as ours | ${alike} of ${rows.length} alike | ${verdict(alike === rows.length)} |`,
  );
  const cell = (text: string) => `\`${text.replaceAll('|', '\\|')}\``;
  return [
    '## 0. The peer does the same work',
    '',
    "Each request went to ours and to the feature-equivalent Fastify server (bench/sections/equivalence.ts); compared: status, media type, problem type and title, the fields named, the body's keys on 201, the headers a client relies on (CORS, rate limit, Retry-After, WWW-Authenticate, Idempotent-Replayed; values too), the request id; then the request that hits the rate limit, the log line of a refusal and the metrics. Where both agree, ours is summed up; where they differ, both answers are shown.",
    '',
    '| case | alike | what ours answered | where they differ: ours / Fastify |',
    '|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.same ? 'yes' : '**no**'} | ${cell(row.summary)} | ${row.same ? '' : `${cell(row.ours)} / ${cell(row.theirs)}`} |`,
    ),
  ].join('\n');
}

const pct = (share: number | undefined) => (share === undefined ? '–' : `${fmt(share * 100, 1)} %`);

function shareTable(title: string, targets: readonly { label: string; shares: readonly TimeShare[] }[], rows: number) {
  const names = [...new Set(targets.flatMap(({ shares }) => shares.slice(0, rows).map((share) => share.name)))];
  const cell = (shares: readonly TimeShare[], name: string) => {
    const share = shares.find((each) => each.name === name);
    return `${pct(share?.self)} | ${pct(share?.total)}`;
  };
  return [
    `| ${title} | ${targets.map(({ label }) => `${label}: self | total`).join(' | ')} |`,
    `|---|${targets.map(() => '---|---|').join('')}`,
    ...names.map(
      (name) => `| ${name.replaceAll('|', '\\|')} | ${targets.map(({ shares }) => cell(shares, name)).join(' | ')} |`,
    ),
  ];
}

function profileSection({ current, baseline }: NonNullable<Sections['profile']>): string {
  const ours = current.find((target) => target.name === FULL);
  const before = baseline?.targets.find((target) => target.name === ours?.name);
  const columns = [
    ...(before ? [{ label: `before (${baseline?.label})`, target: before }] : []),
    ...current.map((target) => ({ label: target.name, target })),
  ];
  const groups = columns.map(({ label, target }) => ({ label, shares: target.groups }));
  const functions = columns
    .filter(({ target }) => target.name === ours?.name)
    .map(({ label, target }) => ({ label, shares: target.functions }));
  return [
    "## 1b. Where a register request's CPU goes",
    '',
    `V8's sampling profiler (every 100 µs, started after the warm-up and stopped with the load) on each server under the register load; shares of the busy time (\`(idle)\` left out; \`(program)\` is native work with no JavaScript on the stack). Self: in the function's own code; total: in it or what it called. The profiler slows the process, so read the shares; server CPU µs per request while profiled (from /proc): ${columns.map(({ label, target }) => `${label} ${fmt(target.microsPerRequest)}`).join(', ')}.`,
    '',
    ...shareTable('group', groups, 14),
    '',
    ...shareTable('function (ours, by self time)', functions, 15),
  ].join('\n');
}

/** RESULTS.md: the machine, then each section's table, then the goals. */
export function renderReport(sections: Sections): string {
  const goals: string[] = [];
  const parts = [
    '# Benchmark results',
    '',
    'Written by `npm run bench`. Every comparison is paired and interleaved in one run (A B C, then B C A, …) against a private redis-server on loopback; figures are medians with min–max over the rounds.',
    '',
    sections.environment,
    `- ${sections.rounds} rounds, ${sections.seconds} s of load per target per round (after 1 s warm-up), autocannon in the bench process`,
    '',
  ];
  if (sections.equivalence) parts.push(equivalenceSection(sections.equivalence, goals), '');
  if (sections.http) parts.push(httpSection(sections.http, goals), '');
  if (sections.profile) parts.push(profileSection(sections.profile), '');
  if (sections.enqueue) parts.push(enqueueSection(sections.enqueue), '');
  if (sections.workers) parts.push(workerSection(sections.workers, goals), '');
  if (sections.delay) parts.push(delaySection(sections.delay, sections.delaySparse, sections.idleCpu, goals), '');
  if (sections.bytesPerJob !== undefined)
    parts.push(
      '## 5. Redis memory',
      '',
      `${fmt(sections.bytesPerJob)} bytes of Redis memory per delayed \`demo:delay_print\` job (10,000 jobs, used_memory delta).`,
      '',
    );
  if (sections.failFast) {
    const { p50, p99, max, statuses } = sections.failFast;
    goals.push(`| 503 with Redis down ≤ 50 ms | p99 ${fmt(p99, 2)} ms (max ${fmt(max, 2)}) | ${verdict(p99 <= 50)} |`);
    parts.push(
      '## 6. Fail-fast with Redis down',
      '',
      `200 sequential registrations against a closed Redis port: statuses ${statuses.join(', ')}; p50 ${fmt(p50, 2)} ms, p99 ${fmt(p99, 2)} ms, max ${fmt(max, 2)} ms.`,
      '',
    );
  }
  if (sections.redisReference) {
    parts.push(
      '## 7. Redis reference (redis-benchmark, 50 clients, same server)',
      '',
      '| command | req/s |',
      '|---|---|',
    );
    parts.push(...Object.entries(sections.redisReference).map(([name, value]) => `| ${name} | ${fmt(value)} |`), '');
  }
  if (sections.auth) {
    const { micros, scrapeMicros, redisCommandsFor401And403, statuses } = sections.auth;
    const bare = micros['bare route'];
    parts.push(
      '## 8. What each feature costs: CORS, authentication, request ids, metrics, the rate limit',
      '',
      'Node CPU per request through `app.request` on a route that only answers 201 (medians over the rounds), and what each middleware adds:',
      '',
      '| middleware | µs per request | added |',
      '|---|---|---|',
      ...Object.entries(micros).map(
        ([name, value]) => `| ${name} | ${fmt(value, 1)} | ${name === 'bare route' ? '—' : fmt(value - bare, 1)} |`,
      ),
      '',
      'The whole app (`createApp`, the register route with validation, request id, request log, CORS, bearer key, rate limit in memory, metrics) over a producer that stores nothing, everything on and then one feature off at a time (Node CPU µs per request; "saves" is what switching it off saves):',
      '',
      '| app | µs per request | saves |',
      '|---|---|---|',
      ...Object.entries(sections.auth.features).map(
        ([name, value]) =>
          `| ${name} | ${fmt(value, 1)} | ${name === 'everything on' ? '—' : fmt((sections.auth?.features['everything on'] ?? 0) - value, 1)} |`,
      ),
      '',
      `One scrape of the API's /metrics registry (process metrics included) costs ${fmt(scrapeMicros)} µs of CPU.`,
      '',
      `1,000 requests without a key and 1,000 with a read-only key to the real API (statuses ${statuses.join(', ')}): the job-queue Redis served ${redisCommandsFor401And403} commands for them.`,
      '',
    );
  }
  if (sections.coldStart) {
    const { api, worker, starts } = sections.coldStart;
    parts.push(
      '## 10. Cold start',
      '',
      `Compiled processes (\`npm run build\`), median (min–max) of ${starts} starts after one warm-up start, Node versions interleaved: spawn → first 201 for the API, spawn → first run of a job that was already due for the worker.`,
      '',
      '| Node | API: spawn → first 201 (ms) | worker: spawn → first job run (ms) |',
      '|---|---|---|',
      ...Object.keys(api).map(
        (name) =>
          `| ${name} | ${fmtSpread(api[name] ?? { median: 0, min: 0, max: 0 })} | ${fmtSpread(worker[name] ?? { median: 0, min: 0, max: 0 })} |`,
      ),
      '',
    );
    const best = Math.min(...Object.values(api).map((s) => s.median));
    goals.push(
      `| API cold start to first 201, compiled ≤ 400 ms | ${Object.entries(api)
        .map(([name, s]) => `${name}: ${fmt(s.median)} ms`)
        .join('; ')} | ${verdict(best <= 400)} |`,
    );
  }
  if (sections.capacity)
    parts.push(renderCapacity(sections.capacity.results, sections.capacity.count, sections.capacity.concurrency), '');
  if (goals.length) parts.push('## Goals', '', '| goal | measured | |', '|---|---|---|', ...goals, '');
  return parts.join('\n');
}
