// Calls to the job-queue API, each answered as one plain outcome object the page can show:
// { kind: 'ok', data } | { kind: 'invalid', errors, detail } | { kind: 'rate-limited', seconds }
// | { kind: 'unavailable', reason, seconds } | { kind: 'not-found' } | { kind: 'failed', status, detail }
// | { kind: 'unauthorized', detail } | { kind: 'forbidden', detail } | { kind: 'network' }

import { currentKey } from './api-key.js';

const API = '/api/dm-jobqueue';

/** Seconds to wait from a Retry-After header (seconds or an HTTP date); `fallback` when absent. */
export function retryAfterSeconds(value, fallback, now = Date.now()) {
  if (value === null || value === undefined || value.trim() === '') return fallback;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? fallback : Math.max(1, Math.ceil((date - now) / 1000));
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return {};
  }
}

async function outcomeOf(response, okStatus) {
  const body = await readJson(response);
  if (response.status === okStatus) return { kind: 'ok', data: body };
  const detail = typeof body.detail === 'string' ? body.detail : response.statusText;
  switch (response.status) {
    case 400:
      return { kind: 'invalid', errors: Array.isArray(body.errors) ? body.errors : [], detail };
    case 401:
      return { kind: 'unauthorized', detail };
    case 403:
      return { kind: 'forbidden', detail };
    case 404:
      return { kind: 'not-found' };
    case 429:
      return { kind: 'rate-limited', seconds: retryAfterSeconds(response.headers.get('retry-after'), 60) };
    case 503:
      // "Job queue service is unavailable: Redis is not connected" -> "Redis is not connected"
      return {
        kind: 'unavailable',
        reason: detail.includes(': ') ? detail.slice(detail.indexOf(': ') + 2) : detail,
        seconds: retryAfterSeconds(response.headers.get('retry-after'), 5),
      };
    default:
      return { kind: 'failed', status: response.status, detail };
  }
}

async function call(path, init, okStatus) {
  let response;
  try {
    const key = currentKey();
    const authorization = key ? { authorization: `Bearer ${key}` } : {};
    response = await fetch(`${API}${path}`, {
      ...init,
      headers: { accept: 'application/json', ...authorization, ...init.headers },
    });
  } catch {
    return { kind: 'network' };
  }
  return outcomeOf(response, okStatus);
}

/** `POST /register`; 201 → `{ job_id, run_at, ... }`. */
export function registerJob(body) {
  return call(
    '/register',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    201,
  );
}

/** `DELETE /jobs/:id`: cancels a job that has not started; 200 → its status body; 409 → `conflict` with why not. */
export async function cancelJob(jobId) {
  const outcome = await call(`/jobs/${encodeURIComponent(jobId)}`, { method: 'DELETE' }, 200);
  return outcome.kind === 'failed' && outcome.status === 409 ? { kind: 'conflict', detail: outcome.detail } : outcome;
}

/** `GET /jobs/:id`; 200 → `{ state, run_at, next_run_at, attempts_made, max_retry, finished_at, failure_reason, ... }`. */
export function fetchJobStatus(jobId) {
  return call(`/jobs/${encodeURIComponent(jobId)}`, { cache: 'no-store' }, 200);
}
