// The demo page (D12): registers a job with the form, then follows it until it
// has completed or failed. Plain ES modules served by the API: no build step.

import { cancelJob, fetchJobStatus, registerJob } from './api.js';
import { saveKey, takeKeyFromUrl } from './api-key.js';
import {
  clearFieldErrors,
  DEFAULT_MESSAGE,
  otherErrors,
  readForm,
  showFieldErrors,
  showMessageLength,
} from './form.js';
import { formatTime } from './format.js';
import { applyTranslations, pickLanguage, translator } from './i18n.js';
import { announce, renderJob, renderRecent, tickJob } from './job-view.js';
import { loadRecentJobs, rememberJob } from './recent-jobs.js';
import { createTracker, jobFromStatus } from './tracker.js';

const t = translator(pickLanguage(navigator.languages));
applyTranslations(document, t);

const form = document.getElementById('register-form');
const button = document.getElementById('register-button');
const notice = document.getElementById('notice');
const keyInput = document.getElementById('api_key');
keyInput.value = takeKeyFromUrl();
keyInput.addEventListener('input', () => saveKey(keyInput.value));
// A `#key=…` link pasted into a tab that already shows the page changes only the fragment: no reload.
window.addEventListener('hashchange', () => {
  if (new URLSearchParams(location.hash.replace(/^#/, '')).has('key')) keyInput.value = takeKeyFromUrl();
});

const messageInput = document.getElementById('message');
const showCount = () =>
  showMessageLength(
    document.getElementById('message-count'),
    document.getElementById('message-count-announcer'),
    messageInput.value,
    t,
  );
messageInput.addEventListener('input', showCount);
// A reset or the back/forward cache puts values back without an input event; `reset` fires before the reset.
form.addEventListener('reset', () => setTimeout(showCount));
window.addEventListener('pageshow', showCount);
showCount();

let recent = loadRecentJobs();
let current = null;

function showNotice(kind, text) {
  notice.dataset.kind = kind;
  notice.textContent = text;
}

function followJob(job) {
  tracker.follow(job);
  drawRecent();
}

function drawRecent() {
  renderRecent(recent, tracker.followedId(), t, (job) => {
    followJob(job);
    // The button pressed is gone from the list now; the job's card is what it opened.
    document.getElementById('job-heading').focus();
  });
}

const tracker = createTracker({
  fetchStatus: fetchJobStatus,
  onUpdate(job, check) {
    const stateChanged = current?.id === job.id && current.state !== job.state;
    current = job;
    renderJob(job, check, t);
    if (stateChanged) announce(job, t);
    const before = recent.find((entry) => entry.id === job.id);
    recent = rememberJob(job);
    if (!before || before.state !== job.state || before.attemptsMade !== job.attemptsMade) drawRecent();
  },
});

document.getElementById('job-cancel').addEventListener('click', async () => {
  if (!current) return;
  const outcome = await cancelJob(current.id);
  // The answer is the job's status: follow it from there (cancelled is final, so no more checks).
  if (outcome.kind === 'ok') followJob({ ...current, ...jobFromStatus(outcome.data) });
  else renderJob(current, { seconds: 0, ...outcome }, t);
});

// Several ticks a second, so the countdown turns over close to each whole second; text only, no requests.
setInterval(() => tickJob(current, t), 250);

function registrationFailed(outcome) {
  switch (outcome.kind) {
    case 'invalid': {
      const first = showFieldErrors(form, outcome.errors, t);
      const others = otherErrors(outcome.errors);
      if (others.length > 0 || !first) {
        const detail =
          others.length > 0
            ? others.map((error) => `${error.field}: ${t.phrase(error.reason)}`).join('; ')
            : outcome.detail;
        showNotice('error', t('error.body', { detail }));
      } else {
        showNotice('error', t('error.fields'));
      }
      first?.focus();
      return;
    }
    case 'rate-limited':
      showNotice('error', t('error.rateLimited', { seconds: outcome.seconds }));
      return;
    case 'unavailable':
      showNotice('error', t('error.unavailable', { reason: t.phrase(outcome.reason) }));
      return;
    case 'network':
      showNotice('error', t('error.network'));
      return;
    case 'unauthorized':
    case 'forbidden':
      showNotice('error', t(`error.${outcome.kind}`, { detail: outcome.detail }));
      keyInput.focus();
      return;
    default:
      showNotice('error', t('error.other', { status: outcome.status, detail: outcome.detail }));
  }
}

let submitting = false;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (submitting) return;
  const { body, errors } = readForm(form);
  if (errors.length > 0) {
    showFieldErrors(form, errors, t)?.focus();
    showNotice('error', t('error.fields'));
    return;
  }
  // aria-disabled rather than disabled: the button keeps the keyboard focus.
  submitting = true;
  button.setAttribute('aria-disabled', 'true');
  button.textContent = t('submitting');
  try {
    const outcome = await registerJob(body);
    if (outcome.kind !== 'ok') {
      registrationFailed(outcome);
      return;
    }
    clearFieldErrors(form);
    const data = outcome.data;
    const runAt = new Date(data.run_at);
    showNotice('success', t('registered', { id: data.job_id, time: formatTime(runAt, t.lang) }));
    // The form keeps what was typed, so the next job is one click away.
    const job = {
      id: data.job_id,
      message: body.message?.trim() ?? DEFAULT_MESSAGE,
      state: 'delayed',
      runAt,
      nextRunAt: runAt,
      attemptsMade: 0,
      maxRetry: data.max_retry,
      finishedAt: null,
      failureReason: null,
    };
    recent = rememberJob(job);
    followJob(job);
  } finally {
    submitting = false;
    button.removeAttribute('aria-disabled');
    button.textContent = t('submit');
  }
});

// After a reload: show the latest job again; it is checked again if it has not finished.
if (recent.length > 0) followJob(recent[0]);
