import type { KeepJobs } from 'bullmq';
import type { AppConfig } from '../config/schema.js';

type Retention = AppConfig['jobqueue']['keep_completed'];

/** `{ count, age_seconds }` from config.yaml as BullMQ's KeepJobs (age in seconds too). */
export function toKeepJobs(retention: Retention): KeepJobs {
  return { count: retention.count, age: retention.age_seconds };
}
