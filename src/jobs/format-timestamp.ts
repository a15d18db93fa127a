const pad = (value: number) => String(value).padStart(2, '0');

/**
 * `YYYY-MM-DD HH:mm:ss` in the process's local time zone (set TZ to choose it).
 * @example formatTimestamp(new Date(2026, 0, 2, 3, 4, 5)) // '2026-01-02 03:04:05'
 */
export function formatTimestamp(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
