// Draws the followed job's card and the list of jobs registered from this page.
// Text only goes in through textContent: messages and server answers are never markup.

import { formatCountdown, formatTime } from './format.js';

const byId = (id) => document.getElementById(id);

function setBadge(element, state, t) {
  element.dataset.state = state;
  element.textContent = t(`state.${state}`);
}

/** The one-line progress text; `now` moves the countdown. */
export function progressText(job, t, now = Date.now()) {
  if (job.state === 'delayed') {
    const due = (job.nextRunAt ?? job.runAt).getTime();
    if (due <= now) return t('progress.due');
    const countdown = formatCountdown(due - now);
    return job.attemptsMade > 0
      ? t('progress.retry', { made: job.attemptsMade, countdown })
      : t('progress.delayed', { countdown });
  }
  return t(`progress.${job.state}`);
}

function checkText(check, t) {
  switch (check.kind) {
    case 'rate-limited':
      return t('check.rateLimited', { seconds: check.seconds });
    case 'unavailable':
      return t('check.unavailable', { reason: t.phrase(check.reason), seconds: check.seconds });
    case 'network':
      return t('check.network', { seconds: check.seconds });
    case 'not-found':
      return t('check.notFound');
    case 'conflict':
      return t('check.cancelRefused', { detail: check.detail });
    default:
      return t('check.other', { status: check.status ?? '?', seconds: check.seconds });
  }
}

/** Fills the job card; `check` says why the last check failed, if it did. */
export function renderJob(job, check, t) {
  byId('job').hidden = false;
  setBadge(byId('job-state'), job.state, t);
  byId('job-progress').textContent = progressText(job, t);
  byId('job-id').textContent = job.id;
  byId('job-message').textContent = job.message;
  byId('job-run-at').textContent = formatTime(job.runAt, t.lang);
  byId('job-attempts').textContent = t('job.attemptsValue', { made: job.attemptsMade, total: job.maxRetry + 1 });
  byId('job-finished-row').hidden = !job.finishedAt;
  byId('job-finished-at').textContent = job.finishedAt ? formatTime(job.finishedAt, t.lang) : '';
  byId('job-failure-row').hidden = !job.failureReason;
  byId('job-failure').textContent = job.failureReason ?? '';
  // Only a job whose attempt has not started can be cancelled.
  byId('job-cancel').hidden = !(job.state === 'delayed' || job.state === 'waiting');
  byId('job-check').hidden = !check;
  byId('job-check').textContent = check ? checkText(check, t) : '';
}

/** Moves the countdown of a delayed job; nothing else changes between checks. */
export function tickJob(job, t) {
  if (job && job.state === 'delayed') byId('job-progress').textContent = progressText(job, t);
}

/** Says a state change to screen readers, once. */
export function announce(job, t) {
  byId('job-announcer').textContent = t('announce.state', { id: job.id.slice(0, 8), state: t(`state.${job.state}`) });
}

function recentItem(job, followedId, t, onFollow) {
  const item = document.createElement('li');
  item.className = 'recent-item';
  const text = document.createElement('span');
  text.className = 'recent-text';
  const message = document.createElement('span');
  message.className = 'recent-message';
  message.textContent = job.message;
  const meta = document.createElement('span');
  meta.className = 'recent-meta';
  const badge = document.createElement('span');
  badge.className = 'badge';
  setBadge(badge, job.state, t);
  meta.append(badge, `${formatTime(job.finishedAt ?? job.runAt, t.lang)} · ${job.id.slice(0, 8)}`);
  text.append(message, meta);
  item.append(text);
  if (job.id === followedId) {
    const note = document.createElement('span');
    note.className = 'recent-following';
    note.textContent = t('recent.following');
    item.append(note);
  } else {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary';
    button.textContent = t('recent.follow');
    button.dataset.jobId = job.id;
    button.setAttribute('aria-label', t('recent.followLabel', { id: job.id.slice(0, 8) }));
    button.addEventListener('click', () => onFollow(job));
    item.append(button);
  }
  return item;
}

/** Redraws the list of jobs registered from this page, keeping the keyboard focus on its button. */
export function renderRecent(jobs, followedId, t, onFollow) {
  const list = byId('recent-list');
  const focusedId = list.contains(document.activeElement) ? document.activeElement.dataset.jobId : undefined;
  byId('recent').hidden = jobs.length === 0;
  list.replaceChildren(...jobs.map((job) => recentItem(job, followedId, t, onFollow)));
  if (focusedId) list.querySelector(`button[data-job-id="${CSS.escape(focusedId)}"]`)?.focus();
}
