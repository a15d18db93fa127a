import * as v from 'valibot';
import { DEFAULT_JOB_DELAY_SECONDS, DEFAULT_MAX_RETRY, DEFAULT_RETRY_BACKOFF, defineJob } from './job.js';

export const DEFAULT_DEMO_MESSAGE = 'Job executed successfully';
export const MESSAGE_MAX_LENGTH = 1000;

// What each forbidden class does to printed text, for the 400's reason.
const FORBIDDEN = [
  { pattern: /\p{Cc}/u, why: 'a control character (newline, tab, escape, …)' },
  { pattern: /\p{Cf}/u, why: 'an invisible format character that can reorder or hide text' },
  { pattern: /[\p{Zl}\p{Zp}]/u, why: 'a line or paragraph separator' },
  { pattern: /\p{Cs}/u, why: 'a lone surrogate (not a valid character)' },
] as const;

// ZWNJ and ZWJ (U+200C, U+200D) are format characters real text needs (Persian, Indic, emoji sequences).
const ANY_FORBIDDEN = /(?![\u200C\u200D])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const ALL_FORBIDDEN = new RegExp(ANY_FORBIDDEN.source, 'gu');
/** The same rule as a whole-string pattern, so that the OpenAPI document carries it too. */
const ONLY_PRINTABLE = /^(?:[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|[\u200C\u200D])*$/u;

function forbiddenCharacterReason(text: string): string {
  const found = ANY_FORBIDDEN.exec(text);
  if (!found) return 'contains a character that cannot be printed';
  const why = FORBIDDEN.find(({ pattern }) => pattern.test(found[0]))?.why ?? 'a character that cannot be printed';
  const code = `U+${(found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `must not contain ${code} (${why}) at position ${[...text.slice(0, found.index)].length}`;
}

// Not white space, default-ignorable (incl. Hangul fillers U+115F/U+1160/U+3164/U+FFA0), control, format or U+2800.
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Cs}\u2800]/u;

/** A one-line text to print: trimmed, 1–1000 code points, one visible, nothing that disturbs a terminal or hides text. */
export const MessageSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.minLength(1, 'must not be empty'),
  // Code points (an emoji is one), so no JSON Schema maxLength, which JS validators count in UTF-16 units.
  v.check((text) => [...text].length <= MESSAGE_MAX_LENGTH, `must be at most ${MESSAGE_MAX_LENGTH} characters`),
  v.regex(ONLY_PRINTABLE, (issue) => forbiddenCharacterReason(String(issue.input))),
  v.regex(VISIBLE, 'must contain a visible character'),
  v.description(
    'Printed by the worker as `[YYYY-MM-DD HH:mm:ss] <message>`. Trimmed; 1–1000 code points, one visible; no control ' +
      'characters, invisible format characters (bidi overrides, zero-width characters), line/paragraph separators or lone surrogates.',
  ),
);

const pad = (value: number) => String(value).padStart(2, '0');

/** `YYYY-MM-DD HH:mm:ss` in the process's local time zone (set TZ to choose it). */
export function formatTimestamp(date: Date): string {
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export const demoDelayPrint = defineJob({
  type: 'demo:delay_print',
  payloadSchema: v.strictObject({ message: MessageSchema }),
  delaySeconds: DEFAULT_JOB_DELAY_SECONDS,
  maxRetry: DEFAULT_MAX_RETRY,
  backoff: DEFAULT_RETRY_BACKOFF,
  createProcessor: ({ print, now }) =>
    async function printMessage({ message }) {
      // The schema refused these in the API; data in Redis may have come from elsewhere.
      print(`[${formatTimestamp(now())}] ${message.replace(ALL_FORBIDDEN, ' ')}`);
    },
});
