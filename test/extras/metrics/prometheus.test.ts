/**
 * The shipped Prometheus configuration and rules (prometheus/), proven by a real Prometheus
 * (Debian's, installed by the pretest step): it scrapes both processes with basic auth while the
 * test sends traffic it tallies, and every recording rule — the queries docs/operations.md gives —
 * answers the figure the traffic implies, the failure ratio before the first failure included.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../../../scripts/lib/free-port.js';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { AUTH_HEADERS } from '../../helpers/api-keys.js';
import { waitUntilDrained } from '../../helpers/queue-drained.js';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import { startStack, type Stack } from '../../helpers/stack.js';

const CREDENTIALS = { username: 'metrics', password: 'scrape-secret-for-tests' };
const ENV = { METRICS_USER: CREDENTIALS.username, METRICS_PASSWORD: CREDENTIALS.password };
const RULES = path.resolve('prometheus/dm-jobqueue.rules.yml');
const REGISTER = '/api/dm-jobqueue/register';
const DEMO = 'demo:delay_print';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Prometheus's metric names a `promtool check metrics` output complains about. */
function flaggedNames(output: string): string[] {
  return [...new Set(output.split('\n').flatMap((line) => /^(\w+)/.exec(line.trim())?.[1] ?? []))].sort();
}

describe('a real Prometheus scraping both processes with the shipped configuration and rules', () => {
  let redis: RedisServer;
  let stack: Stack;
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let queue: Queue;
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-jobqueue-prometheus-'));
  const basic = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;
  const metricsUrls = () => ({
    'dm-jobqueue-api': `${stack.baseUrl}/metrics`,
    'dm-jobqueue-worker': stack.healthUrl.replace(/\/health$/, '/metrics'),
  });

  async function query(expr: string, time?: number): Promise<Sample[]> {
    const params = new URLSearchParams({ query: expr, ...(time === undefined ? {} : { time: String(time) }) });
    const body = (await (await fetch(`${promUrl}/api/v1/query?${params.toString()}`)).json()) as {
      status: string;
      error?: string;
      data: { result: Sample[] };
    };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
  }
  const value = (samples: Sample[], labels: Record<string, string>) => {
    const found = samples.find((sample) => Object.entries(labels).every(([key, v]) => sample.metric[key] === v));
    return found ? Number(found.value[1]) : undefined;
  };
  /** The time of the target's last scrape: queries evaluated there are not extrapolated past the data. */
  const lastScrape = async (job: string) => Number((await query(`timestamp(up{job="${job}"})`))[0]?.value[1]);
  /** Waits until Prometheus's newest samples of `name{labels}` add up to what the process serves now. */
  async function scrapedUpToNow(job: keyof ReturnType<typeof metricsUrls>, name: string, labels = '') {
    const text = await (await fetch(metricsUrls()[job], { headers: { authorization: basic } })).text();
    const served = text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    await waitFor(async () => Number((await query(`sum(${name}{${labels}})`))[0]?.value[1]) === served, {
      timeoutMs: 20_000,
      intervalMs: 200,
      what: `Prometheus to scrape ${name} = ${served} from ${job}`,
    });
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startStack(redis, 'prometheus', ENV);
    queue = new Queue(stack.queue.name, {
      connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
      prefix: stack.queue.prefix,
    });
    // The shipped example, pointed at this test's processes and password file, scraping every second.
    const config = parse(readFileSync('prometheus/prometheus.yml', 'utf8')) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        basic_auth: { password_file: string };
        static_configs: { targets: string[] }[];
      }[];
    };
    writeFileSync(path.join(dir, 'password'), CREDENTIALS.password);
    config.global = { scrape_interval: '1s', evaluation_interval: '1s' };
    config.rule_files = [RULES];
    const urls = metricsUrls();
    for (const job of config.scrape_configs) {
      job.basic_auth.password_file = path.join(dir, 'password');
      job.static_configs = [{ targets: [new URL(urls[job.job_name as keyof typeof urls]).host] }];
    }
    writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok, {
      timeoutMs: 30_000,
      what: 'Prometheus to be ready',
    });
  });
  afterAll(async () => {
    prometheus?.kill('SIGKILL');
    await queue?.close();
    await stack?.stop();
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("our metric names pass `promtool check metrics`; the ones flagged are the libraries' documented few", async () => {
    for (const url of Object.values(metricsUrls())) {
      const text = await (await fetch(url, { headers: { authorization: basic } })).text();
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      const flagged = flaggedNames(`${check.stdout}${check.stderr}`);
      // prom-client's default gauges end in _total; docs/operations.md lists them with why they stay.
      expect(flagged.filter((name) => !name.startsWith('nodejs_active_'))).toEqual([]);
    }
  });

  it(
    'answers every recorded query with the figure the traffic implies, from the first scrape on',
    { timeout: 120_000 },
    async () => {
      const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
        (group) => group.rules,
      );
      const expr = (record: string) => {
        const rule = rules.find((each) => each.record === record);
        if (!rule) throw new Error(`no recording rule ${record}`);
        return rule.expr;
      };
      // Both targets scraped once before any traffic: every counter's first sample is 0.
      await waitFor(async () => (await query('sum(up{job=~"dm-jobqueue-.*"})'))[0]?.value[1] === '2', {
        timeoutMs: 30_000,
        what: 'both targets to be up',
      });
      const tally: Record<number, number> = {};
      const send = async (body: unknown, headers: Record<string, string> = AUTH_HEADERS) => {
        const response = await fetch(`${stack.baseUrl}${REGISTER}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        tally[response.status] = (tally[response.status] ?? 0) + 1;
        return response.status;
      };

      // Phase 1: completions only. The failure ratio is 0, not "no data".
      for (let i = 0; i < 10; i++) await send({ message: `prom ${i}`, delay_seconds: 0 });
      await waitUntilDrained(queue, 'the first jobs to run');
      await scrapedUpToNow('dm-jobqueue-worker', 'dm_jobqueue_jobs_completed_total');
      const before = await query(expr('dm_jobqueue:job_failure_ratio:rate15m'), await lastScrape('dm-jobqueue-worker'));
      expect(value(before, { job_type: DEMO })).toBe(0);

      // Phase 2: failures (payloads the worker refuses, names it does not know), rejected, refused and limited requests.
      const FAILED = 5;
      const FOREIGN = 2;
      for (let i = 0; i < FAILED; i++) await queue.add(DEMO, { message: 42 }, { attempts: 1 });
      for (let i = 0; i < FOREIGN; i++) await queue.add(`other:job-${i}`, {}, { attempts: 1 });
      for (let i = 0; i < 3; i++) await send({ message: 'later', delay_seconds: 3600 });
      for (let i = 0; i < 4; i++) await send({ delay_seconds: -1 });
      for (let i = 0; i < 3; i++) await send({}, {});
      // Registrations until the per-minute limit answers 429 three times.
      for (let i = 0; i < 200 && (tally[429] ?? 0) < 3; i++)
        await send({ message: `prom more ${i}`, delay_seconds: 0 });
      expect(tally[429]).toBe(3);
      await waitFor(async () => (await queue.getJobCounts('failed')).failed === FAILED + FOREIGN, {
        what: 'the refused jobs to fail',
      });
      await waitFor(
        async () => {
          const counts = await queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed');
          return counts.waiting === 0 && counts.active === 0 && counts.prioritized === 0 && counts.delayed === 3;
        },
        { what: 'every due job to run (the 3 jobs due in an hour stay delayed)' },
      );
      await scrapedUpToNow('dm-jobqueue-worker', 'dm_jobqueue_jobs_completed_total');
      await scrapedUpToNow('dm-jobqueue-worker', 'dm_jobqueue_jobs_failed_total');
      await scrapedUpToNow('dm-jobqueue-api', 'http_requests_total', `route="${REGISTER}"`);
      const stored = (tally[201] ?? 0) - 3;
      const [apiAt, workerAt] = [await lastScrape('dm-jobqueue-api'), await lastScrape('dm-jobqueue-worker')];
      // A 5-minute rate times 300 s is the count in the window; the test ran for less than that.
      const count = async (record: string, at: number, labels: Record<string, string>) =>
        (value(await query(expr(record), at), labels) ?? Number.NaN) * 300;
      const close = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 6);

      close(await count('dm_jobqueue:registrations:rate5m', apiAt, { outcome: 'stored' }), tally[201] ?? 0);
      close(await count('dm_jobqueue:registrations:rate5m', apiAt, { outcome: 'rejected' }), tally[400] ?? 0);
      for (const status of [201, 400, 401, 429])
        close(
          await count('dm_jobqueue:api_requests:rate5m', apiAt, { route: REGISTER, status: String(status) }),
          tally[status] ?? 0,
        );
      const ratio = await query(expr('dm_jobqueue:job_failure_ratio:rate15m'), workerAt);
      close(value(ratio, { job_type: DEMO }) ?? Number.NaN, FAILED / (stored + FAILED));
      close(value(ratio, { job_type: 'unknown' }) ?? Number.NaN, 1);
      const depth = await query(expr('dm_jobqueue:queue_jobs'), workerAt);
      expect(value(depth, { state: 'delayed' })).toBe(3);
      expect(value(depth, { state: 'failed' })).toBe(FAILED + FOREIGN);
      const p99 = value(await query(expr('dm_jobqueue:job_start_lateness_seconds:p99_5m'), workerAt), {
        job_type: DEMO,
      });
      // Jobs due at once start within a second here; the quantile is interpolated inside that bucket.
      expect(p99).toBeGreaterThan(0);
      expect(p99).toBeLessThanOrEqual(1);
      // Prometheus loaded the rules and records them itself.
      expect(await query('dm_jobqueue:job_failure_ratio:rate15m')).not.toEqual([]);
    },
  );

  it(
    "the API's overdue gauge shows jobs left due while no worker starts them, and 0 once one does",
    { timeout: 60_000 },
    async () => {
      const overdue = async () => Number((await query('max(dm_jobqueue_oldest_overdue_seconds)'))[0]?.value[1]);
      await waitFor(async () => (await overdue()) === 0, { timeoutMs: 20_000, what: 'no overdue job at first' });
      // The worker paused (its own metrics are gone with it): only the API can tell.
      stack.worker.child.kill('SIGSTOP');
      const added: string[] = [];
      try {
        const registeredAt = Date.now();
        // Straight into the queue (the API's rate limit is spent by the test before): due at once.
        for (const message of ['left due 1', 'left due 2']) added.push((await queue.add(DEMO, { message })).id ?? '');
        await waitFor(async () => (await overdue()) >= 3, { timeoutMs: 20_000, what: 'the gauge to reach 3 s' });
        // Seconds since the first job fell due, as of the API's last scrape.
        const at = await lastScrape('dm-jobqueue-api');
        const seconds = Number((await query('max(dm_jobqueue_oldest_overdue_seconds)', at))[0]?.value[1]);
        expect(Math.abs(seconds - (at * 1000 - registeredAt) / 1000)).toBeLessThanOrEqual(2);
      } finally {
        stack.worker.child.kill('SIGCONT');
      }
      const ran = async () =>
        (await Promise.all(added.map((id) => queue.getJobState(id)))).every((state) => state === 'completed');
      await waitFor(ran, { timeoutMs: 20_000, what: 'the resumed worker to run the jobs' });
      await waitFor(async () => (await overdue()) === 0, { timeoutMs: 20_000, what: 'the gauge back at 0' });
    },
  );
});
