import * as v from 'valibot';

/** `application/problem+json` (RFC 9457) as this API answers it, for `/openapi.json`. */
export const ProblemSchema = v.object({
  type: v.pipe(v.string(), v.description('A URN naming the kind of problem, or about:blank.')),
  title: v.string(),
  status: v.pipe(v.number(), v.integer()),
  detail: v.pipe(v.string(), v.description('What went wrong and what to do about it.')),
  errors: v.optional(
    v.pipe(
      v.array(v.object({ field: v.string(), reason: v.string() })),
      v.description('On 400: each invalid field (dotted path; "(body)" for the body itself) and why.'),
    ),
  ),
  retry_after_seconds: v.optional(
    v.pipe(v.number(), v.integer(), v.description('On 429: when to try again; also in Retry-After.')),
  ),
  message: v.optional(
    v.pipe(
      v.string(),
      v.description("On 401/403: the same text as detail, where the original Go template's client looks for it."),
    ),
  ),
});
