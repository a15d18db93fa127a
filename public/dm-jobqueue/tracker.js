// Follows one job's state for the page. Polls sparingly, because /api/* is rate
// limited per client: no request before the job is due, then at most one every
// 2 s (slower while nothing changes), none while the tab is hidden, and it
// waits as long as a 429 or 503 answer's Retry-After says.

export const POLL_MS = 2000;
const MAX_POLL_MS = 15_000;
/** Checked this long after the due time, so the worker has had a moment to start. */
const DUE_MARGIN_MS = 300;
const NETWORK_RETRY_SECONDS = 5;
const FINAL_STATES = new Set(['completed', 'failed', 'cancelled', 'expired']);

export const isFinal = (state) => FINAL_STATES.has(state);

const optionalDate = (text) => (text ? new Date(text) : null);

/** A job as the page keeps it, from the API's status body. */
export function jobFromStatus(body) {
  return {
    id: body.job_id,
    state: body.state,
    runAt: new Date(body.run_at),
    nextRunAt: optionalDate(body.next_run_at),
    attemptsMade: body.attempts_made,
    maxRetry: body.max_retry,
    finishedAt: optionalDate(body.finished_at),
    failureReason: body.failure_reason ?? null,
  };
}

/** 2 s for the first polls without change, then slowly longer, up to 15 s. */
function pollInterval(unchanged) {
  return unchanged < 5 ? POLL_MS : Math.min(MAX_POLL_MS, Math.round(POLL_MS * 1.5 ** (unchanged - 4)));
}

/**
 * @param {{ fetchStatus: (id: string) => Promise<object>, onUpdate: (job: object, check: object | null) => void }} options
 *   `onUpdate` gets the job after each change and, when a check could not be made, why
 *   (`{ kind, seconds, ... }`, an api.js outcome with the wait before the next check).
 * @example const tracker = createTracker({ fetchStatus, onUpdate }); tracker.follow(job);
 */
export function createTracker({ fetchStatus, onUpdate, doc = document, now = () => Date.now() }) {
  let followed = null;
  let generation = 0;
  let timer;

  function later(ms, mine) {
    clearTimeout(timer);
    timer = setTimeout(() => void check(mine), ms);
  }

  function scheduleNext(mine) {
    const { job, unchanged, checked } = followed;
    const due = job.state === 'delayed' ? (job.nextRunAt ?? job.runAt).getTime() : 0;
    if (due > now()) later(due - now() + DUE_MARGIN_MS, mine);
    else later(checked ? pollInterval(unchanged) : 0, mine);
  }

  function retryIn(seconds, check, mine) {
    onUpdate(followed.job, { ...check, seconds });
    later(seconds * 1000, mine);
  }

  async function check(mine) {
    if (mine !== generation) return;
    if (doc.hidden) {
      doc.addEventListener('visibilitychange', () => void check(mine), { once: true });
      return;
    }
    const outcome = await fetchStatus(followed.job.id);
    if (mine !== generation) return;
    followed.checked = true;
    switch (outcome.kind) {
      case 'ok': {
        const next = { ...followed.job, ...jobFromStatus(outcome.data) };
        const changed = next.state !== followed.job.state || next.attemptsMade !== followed.job.attemptsMade;
        followed.unchanged = changed ? 0 : followed.unchanged + 1;
        followed.job = next;
        onUpdate(next, null);
        if (!isFinal(next.state)) scheduleNext(mine);
        return;
      }
      case 'not-found':
        onUpdate(followed.job, outcome);
        return;
      case 'rate-limited':
      case 'unavailable':
        retryIn(Math.max(outcome.seconds, POLL_MS / 1000), outcome, mine);
        return;
      case 'network':
        retryIn(NETWORK_RETRY_SECONDS, outcome, mine);
        return;
      default:
        followed.unchanged += 1;
        retryIn(Math.ceil(pollInterval(followed.unchanged + 4) / 1000), outcome, mine);
    }
  }

  return {
    /** Follows `job` ({ id, state, runAt, nextRunAt, ... }) instead of the one before. */
    follow(job) {
      generation += 1;
      clearTimeout(timer);
      followed = { job, unchanged: 0, checked: false };
      onUpdate(job, null);
      if (!isFinal(job.state)) scheduleNext(generation);
    },
    /** The id of the followed job, if any. */
    followedId: () => followed?.job.id ?? null,
  };
}
