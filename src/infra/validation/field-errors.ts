import * as v from 'valibot';

/** One invalid input field and why, as answered in a 400 and logged for a job. */
export interface FieldError {
  /** Dotted path of the field in the body; `(body)` for the body itself. */
  field: string;
  reason: string;
}

/** valibot issues as `{ field, reason }`, one per field, in body order. */
export function toFieldErrors(issues: readonly v.BaseIssue<unknown>[]): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const field = v.getDotPath(issue) ?? '(body)';
    if (seen.has(field)) continue;
    seen.add(field);
    // strictObject reports an unknown key as "expected never"; say it plainly.
    const reason = issue.expected === 'never' ? 'is not a known field' : issue.message;
    errors.push({ field, reason });
  }
  return errors;
}
