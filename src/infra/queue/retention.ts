import type { KeepJobs } from 'bullmq';
import type { AppConfig } from '../config/schema.js';

type Retention = AppConfig['jobqueue']['keep_completed'];

/**
 * `{ count, age_seconds }` from config.yaml as BullMQ's KeepJobs. `age_seconds: 0`
 * means no age limit (BullMQ would read an age of 0 as "delete at once").
 */
export function toKeepJobs(retention: Retention): KeepJobs {
  return retention.age_seconds > 0
    ? { count: retention.count, age: retention.age_seconds }
    : { count: retention.count };
}
