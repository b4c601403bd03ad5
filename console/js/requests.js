// The request inspector: every partner API call, filters, one call in full, and a chart.
import { requestsChart } from './charts.js';
import { $, api, el, guarded, local, state } from './kit.js';

let selectedId = null;
/** Set by main.js: switches to the chats panel and opens a chat of a business. */
let goToChat = async () => {};
export function onGoToChat(fn) {
  goToChat = fn;
}

function filterQuery() {
  const q = new URLSearchParams({ limit: '200' });
  if (!$('reqAll').checked && state.businessId) q.set('businessId', String(state.businessId));
  if ($('reqOperation').value) q.set('operation', $('reqOperation').value);
  if ($('reqStatus').value) q.set('status', $('reqStatus').value);
  if ($('reqKey').value.trim()) q.set('key', $('reqKey').value.trim());
  if ($('reqChat').value.trim()) q.set('chatId', $('reqChat').value.trim());
  return q;
}

const statusClass = (s) => (s >= 500 ? 's5xx' : s >= 400 ? 's4xx' : 's2xx');

function chatButton(r) {
  if (!r.chatId) return '';
  return el('button', {
    type: 'button',
    className: 'link',
    textContent: `#${r.chatId}`,
    'aria-label': `Open chat ${r.chatId}`,
    onclick: (e) => {
      e.stopPropagation();
      guarded(() => goToChat(r.businessId, r.chatId));
    },
  });
}

function row(r) {
  const tr = el(
    'tr',
    { className: `${statusClass(r.status)}${r.id === selectedId ? ' selected' : ''}`, tabIndex: 0, dataset: { requestId: String(r.id), status: String(r.status) } },
    el('td', { textContent: local(r.at) }),
    el('td', {}, el('span', { className: `status ${statusClass(r.status)}`, textContent: String(r.status) })),
    el('td', { textContent: r.operationId }),
    el('td', { textContent: r.keyName || '—' }),
    el('td', {}, chatButton(r)),
    el('td', { className: 'num', textContent: `${Math.round(r.latencyMs)} ms` }),
    el('td', { className: 'error', textContent: r.errorCode ? `${r.errorCode}: ${r.errorMessage || ''}` : '' }),
  );
  const show = () => guarded(() => showRequest(r.id));
  tr.addEventListener('click', show);
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      show();
    }
  });
  return tr;
}

export async function loadRequests() {
  const { requests, limits } = await api('GET', `/requests?${filterQuery()}`);
  $('requestRows').replaceChildren(...requests.map(row));
  if (requests.length === 0) $('requestRows').replaceChildren(el('tr', {}, el('td', { colSpan: 7, className: 'muted', textContent: 'No partner API calls yet' })));
  $('reqLimits').textContent = `keeps the last ${limits.perBusiness.toLocaleString('en')} calls per business, bodies up to ${limits.bodyBytes.toLocaleString('en')} bytes`;
  const stats = await api('GET', `/requests/stats?minutes=30${$('reqAll').checked || !state.businessId ? '' : `&businessId=${state.businessId}`}`);
  $('requestsChart').replaceChildren(requestsChart(stats.perMinute, $('requestsChart')));
}

function pretty(text) {
  if (text === null || text === undefined) return '(no body)';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

async function showRequest(id) {
  const r = await api('GET', `/requests/${id}`);
  selectedId = id;
  for (const tr of $('requestRows').children) tr.classList.toggle('selected', Number(tr.dataset.requestId) === id);
  const rate = r.rateLimit ? `${r.rateLimit.remaining} of ${r.rateLimit.limit} left until ${r.rateLimit.until}` : 'no rate-limit headers';
  $('requestDetail').replaceChildren(
    el('h3', { textContent: `${r.method} ${r.path}` }),
    el(
      'dl',
      {},
      el('dt', { textContent: 'status' }),
      el('dd', { textContent: `${r.status}${r.errorCode ? ` ${r.errorCode}: ${r.errorMessage || ''}` : ''}` }),
      el('dt', { textContent: 'operation' }),
      el('dd', { textContent: r.operationId }),
      el('dt', { textContent: 'key' }),
      el('dd', { textContent: r.keyName || 'not recognised' }),
      el('dt', { textContent: 'business' }),
      el('dd', { textContent: r.businessId === null ? '—' : String(r.businessId) }),
      el('dt', { textContent: 'time' }),
      el('dd', { textContent: `${r.at} (sandbox clock ${r.clockAt})` }),
      el('dt', { textContent: 'latency' }),
      el('dd', { textContent: `${r.latencyMs} ms` }),
      el('dt', { textContent: 'rate limit' }),
      el('dd', { textContent: rate }),
      el('dt', { textContent: 'chat' }),
      el('dd', {}, r.chatId ? chatButton(r) : '—'),
    ),
    el('h4', { textContent: 'Request body' }),
    el('pre', { textContent: pretty(r.requestBody) }),
    el('h4', { textContent: 'Response body' }),
    el('pre', { textContent: pretty(r.responseBody) }),
  );
}

export function fillOperations() {
  const current = $('reqOperation').value;
  $('reqOperation').replaceChildren(el('option', { value: '', textContent: 'any method' }), ...state.operations.map((o) => el('option', { value: o, textContent: o })));
  $('reqOperation').value = current;
}

export function wireRequests() {
  for (const id of ['reqOperation', 'reqStatus', 'reqAll']) $(id).addEventListener('change', () => guarded(loadRequests));
  for (const id of ['reqKey', 'reqChat']) $(id).addEventListener('change', () => guarded(loadRequests));
  $('reqClear').addEventListener('click', () =>
    guarded(async () => {
      await api('DELETE', `/requests${$('reqAll').checked ? '' : `?businessId=${state.businessId}`}`);
      $('requestDetail').replaceChildren(el('p', { className: 'muted', textContent: 'Pick a call to see it in full.' }));
      await loadRequests();
    }),
  );
}
