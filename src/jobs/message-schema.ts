import * as v from 'valibot';

/**
 * Characters a printed message must not carry, with why:
 * C0/C1 controls and DEL forge log lines or move the terminal cursor; format
 * characters (bidi overrides such as U+202E, zero-width characters) reorder or
 * hide text; line and paragraph separators (U+2028/U+2029) break lines; lone
 * surrogates are not text at all.
 */
const FORBIDDEN = [
  { pattern: /\p{Cc}/u, why: 'a control character (newline, tab, escape, …)' },
  { pattern: /\p{Cf}/u, why: 'an invisible format character that can reorder or hide text' },
  { pattern: /[\p{Zl}\p{Zp}]/u, why: 'a line or paragraph separator' },
  { pattern: /\p{Cs}/u, why: 'a lone surrogate (not a valid character)' },
] as const;

// ZWNJ and ZWJ (U+200C, U+200D) are format characters that real text needs:
// Persian and Indic words, emoji sequences such as 👨‍👩‍👧. They neither reorder nor hide text.
const ANY_FORBIDDEN = /(?![\u200C\u200D])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** The same rule as a whole-string pattern, so that the OpenAPI document carries it too. */
const ONLY_PRINTABLE = /^(?:[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|[\u200C\u200D])*$/u;
const ALL_FORBIDDEN = /(?![\u200C\u200D])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** `U+202E` */
function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `text` cannot be printed, naming the first offending character; undefined when it can. */
export function forbiddenCharacterReason(text: string): string | undefined {
  const found = ANY_FORBIDDEN.exec(text);
  if (!found) return undefined;
  const why = FORBIDDEN.find(({ pattern }) => pattern.test(found[0]))?.why ?? 'a character that cannot be printed';
  // Counted in characters (code points), not UTF-16 units, of the trimmed text.
  const position = [...text.slice(0, found.index)].length;
  return `must not contain ${codePoint(found[0])} (${why}) at position ${position}`;
}

export const MESSAGE_MAX_LENGTH = 1000;

/** A one-line text to print: trimmed, 1–1000 characters, nothing that disturbs a terminal or hides text. */
export const MessageSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(MESSAGE_MAX_LENGTH, `must be at most ${MESSAGE_MAX_LENGTH} characters`),
  v.regex(
    ONLY_PRINTABLE,
    (issue) => forbiddenCharacterReason(String(issue.input)) ?? 'contains a character that cannot be printed',
  ),
  v.description(
    'Printed by the worker as `[YYYY-MM-DD HH:mm:ss] <message>`. Trimmed; 1–1000 characters; no control characters, ' +
      'invisible format characters (bidi overrides, zero-width characters), line/paragraph separators or lone surrogates.',
  ),
);

/** Replaces every forbidden character with a space: the worker's last line of defence before writing to stdout. */
export function stripUnprintable(text: string): string {
  return text.replace(ALL_FORBIDDEN, ' ');
}
