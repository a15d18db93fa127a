import * as v from 'valibot';

/** C0/C1 control characters and DEL: they could forge log lines or move the terminal cursor. */
const CONTROL_CHARACTERS = /\p{Cc}/u;

export const MESSAGE_MAX_LENGTH = 1000;

/** A one-line text to print: trimmed, 1–1000 characters, no control characters. */
export const MessageSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(MESSAGE_MAX_LENGTH, `must be at most ${MESSAGE_MAX_LENGTH} characters`),
  v.check((text) => !CONTROL_CHARACTERS.test(text), 'must not contain control characters (newlines, tabs, escapes)'),
);

/** Replaces control characters: the worker's last line of defence before writing to stdout. */
export function stripControlCharacters(text: string): string {
  return text.replace(/\p{Cc}/gu, ' ');
}
