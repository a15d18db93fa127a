// Times for people: local date and time, and a countdown.

const pad = (value) => String(value).padStart(2, '0');

/**
 * Milliseconds as a countdown: "0:42", "2:59", "1:02:03", "3 d 04:05:06".
 * @example formatCountdown(179_400) // '3:00'
 */
export function formatCountdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days} d ${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
  if (hours > 0) return `${hours}:${pad(minutes)}:${pad(seconds)}`;
  return `${minutes}:${pad(seconds)}`;
}

/** A local time, with the date when it is not today. */
export function formatTime(date, lang, now = new Date()) {
  const sameDay = date.toDateString() === now.toDateString();
  const options = sameDay ? { timeStyle: 'medium' } : { dateStyle: 'medium', timeStyle: 'medium' };
  return new Intl.DateTimeFormat(lang, options).format(date);
}
