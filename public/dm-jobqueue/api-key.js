// The API key the page sends as `Authorization: Bearer <key>`: from the link
// `npm run dev` prints (`#key=…`, a fragment, so it never reaches a server or
// its logs) or pasted by the user; kept in sessionStorage, for this tab only.

const STORAGE_KEY = 'dm-jobqueue.apiKey';

function read() {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Saves `value` (trimmed) for this tab; an empty value forgets the key. */
export function saveKey(value) {
  const key = String(value).trim();
  try {
    if (key === '') sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage off (private mode): the key lives in the input field only.
  }
  return key;
}

/** Takes `#key=…` from the address, saves it and removes it from the address bar and history. */
export function takeKeyFromUrl(location = window.location, history = window.history) {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const key = params.get('key');
  if (!key) return read();
  params.delete('key');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return saveKey(key);
}

/** The key to send now; empty when there is none. */
export const currentKey = read;
