export const JOB_STATES = ['delayed', 'waiting', 'active', 'completed', 'failed'] as const;

export type JobState = (typeof JOB_STATES)[number];

/** What the queue knows about one job. The payload is left out: it is the job's, not the viewer's. */
export interface JobStatus {
  readonly jobId: string;
  readonly jobType: string;
  readonly state: JobState;
  /** When the first run was due (registration time + delay). */
  readonly runAt: Date;
  /** While `delayed`: when the next run (the first one or a retry) is due. */
  readonly nextRunAt: Date | undefined;
  /** Runs that have ended, failed or not (a run in progress is not counted). */
  readonly attemptsMade: number;
  readonly maxRetry: number;
  readonly finishedAt: Date | undefined;
  /** The last failed run's reason, also while a retry is pending. */
  readonly failureReason: string | undefined;
}

/** A job's status, `undefined` for an unknown job; rejects with `QueueUnavailableError` if the store is out of reach. */
export interface JobStore {
  read(jobId: string): Promise<JobStatus | undefined>;
}
