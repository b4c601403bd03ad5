// What every panel of the console shares: the control API client, DOM helpers, time formats.

const TOKEN_KEY = 'ymchat.adminToken';

/** The admin token lives for this tab only (sessionStorage), never in localStorage. */
export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Called when the control API refuses the token: the console clears itself. */
let onDenied = () => {};
export function whenDenied(fn) {
  onDenied = fn;
}

/** A control API call; Market's error envelope becomes an ApiError with its message. */
export async function api(method, path, body) {
  const headers = { 'X-Admin-Token': session.token };
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch('/_sandbox' + path, { method, headers, body: payload });
  const data = (res.headers.get('content-type') || '').includes('json') ? await res.json() : null;
  if (!res.ok) {
    const message = (data && data.errors && data.errors[0] && data.errors[0].message) || `HTTP ${res.status}`;
    const err = new ApiError(res.status, message);
    if (res.status === 401 || res.status === 403) onDenied(err);
    throw err;
  }
  return data;
}

export const $ = (id) => document.getElementById(id);

/** `el('button', {className: 'quiet', onclick}, 'text', child)`; data-* via `dataset`. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'for' || k === 'role' || k.startsWith('aria-')) node.setAttribute(k, String(v));
    else node[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** Shows a message in the notice bar (empty hides it). */
export function notice(message, kind = 'error') {
  const box = $('notice');
  $('noticeText').textContent = message || '';
  box.className = `notice ${kind}`;
  box.hidden = !message;
}

/** Runs an action, showing its failure in the notice bar instead of throwing. */
export async function guarded(fn) {
  try {
    notice('');
    return await fn();
  } catch (e) {
    if (!(e instanceof ApiError && (e.status === 401 || e.status === 403) && !session.token)) notice(e.message);
    return undefined;
  }
}

const MSK_MS = 3 * 3600_000;

/** Sandbox times are shown in Moscow time, as the partner API gives its dates. */
export function msk(iso) {
  if (!iso) return '';
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  return Number.isNaN(ms) ? String(iso) : new Date(ms + MSK_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Wall-clock times (the request journal) in the browser's own zone. */
export function local(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Collapses calls made in a burst into one, run after the burst. */
export function debounce(fn, ms = 120) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** The state the panels share: the business shown, the console's own clock copy. */
export const state = {
  businessId: null,
  businesses: [],
  operations: [],
};
