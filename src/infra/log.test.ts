import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createOutageLog, requestLog } from './log.js';

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) },
  );
  return { logger, lines };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });

describe('createOutageLog', () => {
  it('logs one warning when an outage starts and one line when it ends, however many errors come between', () => {
    const { logger, lines } = capture();
    const report = createOutageLog(
      logger,
      'job-queue Redis at 127.0.0.1:6390',
      'registering a job answers 503 until it is back',
    );
    for (let i = 0; i < 50; i++) report.error(refused());
    report.recovered();
    report.recovered();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [
        40,
        'job-queue Redis at 127.0.0.1:6390 is not reachable (connect ECONNREFUSED 127.0.0.1:6390); registering a job answers 503 until it is back',
      ],
      [30, 'job-queue Redis at 127.0.0.1:6390 is reachable again'],
    ]);
  });

  it('logs an error that is not about the connection as what it is, every time', () => {
    const { logger, lines } = capture();
    const report = createOutageLog(logger, 'job-queue Redis at 127.0.0.1:6390');
    report.error(new Error('could not renew lock for job 42'));
    report.error(new Error('could not renew lock for job 42'));
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [50, 'job-queue Redis at 127.0.0.1:6390: could not renew lock for job 42'],
      [50, 'job-queue Redis at 127.0.0.1:6390: could not renew lock for job 42'],
    ]);
  });
});

describe('requestLog', () => {
  it("at debug, logs the API's answers but not a page load's files, probes or scrapes (trace)", async () => {
    const { logger, lines } = capture();
    const app = new Hono().use(requestLog(logger)).get('*', (c) => c.text('ok'));
    for (const path of ['/dm-jobqueue', '/dm-jobqueue/app.js', '/docs/swagger-ui.css', '/health', '/metrics'])
      await app.request(path);
    await app.request('/api/dm-jobqueue/jobs/1');
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[20, 'request']]);
  });
});
