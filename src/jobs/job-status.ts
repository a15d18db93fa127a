/** `cancelled` and `expired` end a job without running it (again); both are kept as long as a completed job. */
export const JOB_STATES = ['delayed', 'waiting', 'active', 'completed', 'failed', 'cancelled', 'expired'] as const;

export type JobState = (typeof JOB_STATES)[number];

export const FINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled', 'expired'];

/** What the queue knows about one job. The payload is left out: it is the job's, not the viewer's. */
export interface JobStatus {
  readonly jobId: string;
  readonly jobType: string;
  readonly state: JobState;
  readonly runAt: Date;
  /** While `delayed`: when the next run (the first one or a retry) is due. */
  readonly nextRunAt: Date | undefined;
  /** Runs that have ended, failed or not (a run in progress is not counted). */
  readonly attemptsMade: number;
  readonly maxRetry: number;
  readonly finishedAt: Date | undefined;
  /** The last failed run's reason, also while a retry is pending. */
  readonly failureReason: string | undefined;
  readonly expiresAt: Date | undefined;
  /** The API key id that registered it; undefined for jobs stored before owners (any key may see them). */
  readonly owner: string | undefined;
}

/** A cancel or reschedule: done (the status after it), or refused with the reason and the status as it is. */
export type JobChange = { done: true; status: JobStatus } | { done: false; reason: string; status: JobStatus };

/** Methods reject with `QueueUnavailableError`; a cancel and a worker's start of one job never both succeed. */
export interface JobStore {
  read(jobId: string): Promise<JobStatus | undefined>;
  /** Ends a job whose current attempt has not started; again on a cancelled job: done. */
  cancel(jobId: string): Promise<JobChange | undefined>;
  reschedule(jobId: string, dueAt: Date): Promise<JobChange | undefined>;
}
