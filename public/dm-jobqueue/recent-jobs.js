// The jobs registered from this page, newest first, in sessionStorage: they
// survive a reload of the tab, and leave with it.

const KEY = 'dm-jobqueue.recent-jobs';
export const RECENT_LIMIT = 8;

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    // Storage can be switched off; the page then just forgets on reload.
    return null;
  }
}

function revive(entry) {
  if (!entry || typeof entry.id !== 'string' || typeof entry.state !== 'string') return null;
  const date = (value) => (value ? new Date(value) : null);
  return {
    id: entry.id,
    message: String(entry.message ?? ''),
    state: entry.state,
    runAt: date(entry.runAt) ?? new Date(),
    nextRunAt: date(entry.nextRunAt),
    attemptsMade: Number(entry.attemptsMade ?? 0),
    maxRetry: Number(entry.maxRetry ?? 0),
    finishedAt: date(entry.finishedAt),
    failureReason: entry.failureReason ?? null,
  };
}

/** The remembered jobs; an empty list when there are none or the storage holds something else. */
export function loadRecentJobs() {
  try {
    const parsed = JSON.parse(storage()?.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.map(revive).filter(Boolean) : [];
  } catch {
    return [];
  }
}

/** Adds or updates `job` (by id), keeping the newest {@link RECENT_LIMIT}; returns the list. */
export function rememberJob(job) {
  const jobs = loadRecentJobs();
  const index = jobs.findIndex((entry) => entry.id === job.id);
  if (index === -1) jobs.unshift(job);
  else jobs[index] = { ...jobs[index], ...job };
  const kept = jobs.slice(0, RECENT_LIMIT);
  try {
    storage()?.setItem(KEY, JSON.stringify(kept));
  } catch {
    // Quota or privacy settings: the list still shows for this visit.
  }
  return kept;
}
