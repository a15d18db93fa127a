// The register form: its values as the API's body, and field errors next to their fields.

export const FIELDS = ['message', 'delay_seconds', 'max_retry'];

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/** What the API prints when a job has no message of its own. */
export const DEFAULT_MESSAGE = 'Job executed successfully';

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
