import * as v from 'valibot';

/** The 201 body of `POST /api/dm-jobqueue/register`, as documented in `/openapi.json`. */
export const RegisterResponseSchema = v.pipe(
  v.object({
    job_id: v.pipe(v.string(), v.uuid(), v.description('Look the job up with GET /api/dm-jobqueue/jobs/{job_id}.')),
    status: v.literal('registered'),
    job_type: v.string(),
    delay_seconds: v.pipe(v.number(), v.integer()),
    max_retry: v.pipe(v.number(), v.integer()),
    run_at: v.pipe(v.string(), v.isoTimestamp(), v.description('When the first run is due (UTC).')),
  }),
  v.metadata({
    examples: [
      {
        job_id: '3f1b7a52-9d55-4c1a-9b7e-0c2f4e1d8a61',
        status: 'registered',
        job_type: 'demo:delay_print',
        delay_seconds: 180,
        max_retry: 10,
        run_at: '2026-12-01T09:03:00.000Z',
      },
    ],
  }),
);

export type RegisterResponse = v.InferOutput<typeof RegisterResponseSchema>;
