// The register form: its values as the API's body, and field errors next to their fields.

export const FIELDS = ['message', 'delay_seconds', 'max_retry'];

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/** What the API prints when a job has no message of its own. */
export const DEFAULT_MESSAGE = 'Job executed successfully';

/** The longest message the API takes, in characters (MESSAGE_MAX_LENGTH in src/jobs/demo-delay-print.ts). */
export const MESSAGE_MAX_LENGTH = 1000;

/**
 * The message's length as the API counts it: trimmed, in code points, so an emoji is one character, not the
 * two UTF-16 units that `.length` and a `maxlength` attribute count.
 * @example messageLength('  😀 ok ') // 4
 */
export const messageLength = (text) => [...text.trim()].length;

/**
 * Writes "12 / 1000" into `counter`, marked `over` past the limit; the API's 400 still decides. The counter is
 * not a live region, which would speak on every key: `announcer` speaks once when the message goes over
 * the limit and is emptied when it is back within it.
 */
export function showMessageLength(counter, announcer, text, t) {
  const count = messageLength(text);
  const over = count > MESSAGE_MAX_LENGTH;
  counter.textContent = t('message.count', { count, max: MESSAGE_MAX_LENGTH });
  if (over !== counter.classList.contains('over')) {
    announcer.textContent = over ? t('message.tooLong', { max: MESSAGE_MAX_LENGTH }) : '';
  }
  counter.classList.toggle('over', over);
}

/**
 * The body to send, or the fields the browser could not read as numbers.
 * An empty message box sends no message, so the API uses its default, as the
 * original's client does; otherwise the message goes as typed: the API trims
 * it and says what is wrong with it.
 */
export function readForm(form) {
  const message = form.elements.message.value;
  const body = message.trim() === '' ? {} : { message };
  const errors = [];
  for (const name of ['delay_seconds', 'max_retry']) {
    const input = form.elements[name];
    // A number input reports '' for text it cannot parse (badInput) and for an empty field alike.
    if (input.value.trim() === '') errors.push({ field: name, reason: 'must be a number' });
    else body[name] = Number(input.value);
  }
  return { body, errors };
}

/** Marks each field of `errors` (API `{ field, reason }`) and returns the first marked input. */
export function showFieldErrors(form, errors, t) {
  clearFieldErrors(form);
  let first = null;
  for (const { field, reason } of errors) {
    const input = FIELDS.includes(field) ? form.elements[field] : null;
    const slot = input && form.querySelector(`#${field}-error`);
    if (!slot) continue;
    slot.textContent = capitalise(t.phrase(String(reason)));
    slot.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    first ??= input;
  }
  return first;
}

export function clearFieldErrors(form) {
  for (const field of FIELDS) {
    form.elements[field].removeAttribute('aria-invalid');
    const slot = form.querySelector(`#${field}-error`);
    slot.textContent = '';
    slot.hidden = true;
  }
}

/** Errors that name no field of the form, e.g. `(body)`. */
export const otherErrors = (errors) => errors.filter(({ field }) => !FIELDS.includes(field));
