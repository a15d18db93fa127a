import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly completed: Counter<'job_type'>;
  readonly failed: Counter<'job_type'>;
  readonly retried: Counter<'job_type'>;
  readonly stalled: Counter;
  readonly processing: Histogram<'job_type'>;
  readonly lateness: Histogram<'job_type'>;
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The worker's Prometheus metrics, on a registry of its own, with
 * prom-client's process metrics; queue depth is added at scrape time from
 * BullMQ's `exportPrometheusMetrics()`.
 */
export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['job_type'], registers: [registry] });
  return {
    registry,
    completed: counter('dm_jobqueue_jobs_completed_total', 'Jobs that ran to completion, by job type'),
    failed: counter(
      'dm_jobqueue_jobs_failed_total',
      'Jobs that failed for good (out of retries, or unrecoverable), by job type',
    ),
    retried: counter('dm_jobqueue_jobs_retried_total', 'Failed runs that will be retried, by job type'),
    stalled: new Counter({
      name: 'dm_jobqueue_jobs_stalled_total',
      help: 'Jobs whose worker stopped renewing the lock (they run again)',
      registers: [registry],
    }),
    processing: new Histogram({
      name: 'dm_jobqueue_job_processing_seconds',
      help: 'Run time of a job, by job type',
      labelNames: ['job_type'],
      buckets: SECONDS,
      registers: [registry],
    }),
    lateness: new Histogram({
      name: 'dm_jobqueue_job_start_lateness_seconds',
      help: "How long after its due time a job's first run started, by job type",
      labelNames: ['job_type'],
      buckets: SECONDS,
      registers: [registry],
    }),
  };
}
