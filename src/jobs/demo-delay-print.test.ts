import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { MESSAGE_MAX_LENGTH, MessageSchema } from './demo-delay-print.js';

const reasons = (input: unknown) => v.safeParse(MessageSchema, input).issues?.map((issue) => issue.message) ?? [];

describe('MessageSchema', () => {
  it('counts characters as code points: 1000 emoji pass, 1001 do not', () => {
    expect(reasons('😀'.repeat(MESSAGE_MAX_LENGTH))).toEqual([]);
    expect(reasons('😀'.repeat(MESSAGE_MAX_LENGTH + 1))).toEqual(['must be at most 1000 characters']);
  });

  it.each(['\u3164', '\u200C', '\u2800', '\u115F', '\u1160', '\uFFA0', '\u3164\u2800\u200D', '\u2800 \u3164'])(
    'refuses a blank-looking message (%j)',
    (message) => {
      expect(reasons(message)).toEqual(['must contain a visible character']);
    },
  );

  it.each(['a\u3164', '⠁', '👨‍👩‍👧', 'می‌خواهم', '\u3000x'])('accepts text with a visible character (%j)', (message) => {
    expect(reasons(message)).toEqual([]);
  });
});
