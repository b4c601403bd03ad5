// The cabinet's side: Api-Keys, notification subscriptions and deliveries, faults, hourly quotas.
import { latencyChart } from './charts.js';
import { $, api, el, guarded, msk, notice, state } from './kit.js';

const SCOPES = [
  'communication', 'all-methods', 'all-methods:read-only', 'inventory-and-order-processing',
  'inventory-and-order-processing:read-only', 'pricing', 'pricing:read-only', 'offers-and-cards-management',
  'offers-and-cards-management:read-only', 'promotion', 'promotion:read-only', 'finance-and-accounting',
  'settings-management', 'supplies-management:read-only',
];
const EVENTS = ['CHAT_CREATED', 'CHAT_MESSAGE_SENT', 'CHAT_ARBITRAGE_STARTED', 'CHAT_ARBITRAGE_FINISHED'];

const cell = (text, className) => el('td', { textContent: text === null || text === undefined ? '' : String(text), className });
const action = (label, fn, name) => el('button', { type: 'button', className: 'quiet small', textContent: label, 'aria-label': name || label, onclick: () => guarded(fn) });
const empty = (cols, text) => el('tr', {}, el('td', { colSpan: cols, className: 'muted', textContent: text }));

function checkboxes(container, name, values, checked) {
  container.replaceChildren(
    ...values.map((v) => {
      const id = `${name}-${v.replace(/[^a-z0-9]/gi, '-')}`;
      return el('label', { className: 'check', for: id }, el('input', { type: 'checkbox', id, value: v, checked: checked.includes(v) }), ` ${v}`);
    }),
  );
}
const checked = (container) => [...container.querySelectorAll('input:checked')].map((i) => i.value);

// --- Api-Keys -------------------------------------------------------------------------------

export async function loadKeys() {
  const { keys } = await api('GET', `/businesses/${state.businessId}/keys`);
  $('keyRows').replaceChildren(
    ...keys.map((k) =>
      el(
        'tr',
        { className: k.revokedAt ? 'revoked' : '', dataset: { keyId: String(k.id) } },
        cell(k.id),
        cell(k.name),
        cell(k.scopes.join(', ')),
        cell(msk(k.createdAt)),
        el('td', {}, k.revokedAt ? `revoked ${msk(k.revokedAt)}` : action('Revoke', () => revokeKey(k), `Revoke key ${k.name}`)),
      ),
    ),
  );
  if (keys.length === 0) $('keyRows').replaceChildren(empty(5, 'No keys'));
}

async function revokeKey(k) {
  if (!confirm(`Revoke the key "${k.name}"? Calls with it will get 401 Api-Key token is revoked.`)) return;
  await api('DELETE', `/keys/${k.id}`);
  await loadKeys();
}

async function createKey() {
  const name = $('keyName').value.trim();
  const scopes = checked($('keyScopes'));
  if (!name) throw new Error('Name the key first');
  if (scopes.length === 0) throw new Error('Pick at least one scope');
  const key = await api('POST', `/businesses/${state.businessId}/keys`, { name, scopes });
  $('keyName').value = '';
  $('keySecretValue').value = key.token;
  $('keySecretName').textContent = key.name;
  $('keySecret').hidden = false;
  $('keySecretValue').focus();
  $('keySecretValue').select();
  await loadKeys();
}

/** The secret is shown once: hidden for good as soon as it is dismissed or the panel changes. */
export function forgetSecret() {
  $('keySecretValue').value = '';
  $('keySecret').hidden = true;
}

// --- Subscriptions, outbox, deliveries ------------------------------------------------------

export async function loadSubscriptions() {
  const { subscriptions } = await api('GET', `/businesses/${state.businessId}/subscriptions`);
  $('subRows').replaceChildren(
    ...subscriptions.map((s) =>
      el(
        'tr',
        { dataset: { subscriptionId: String(s.id) } },
        cell(s.id),
        cell(s.url),
        cell(s.eventTypes.join(', ')),
        cell(s.enabled ? 'enabled' : `disabled${s.disabledReason ? `: ${s.disabledReason}` : ''}`, s.enabled ? 'ok' : 'error'),
        el(
          'td',
          { className: 'actions' },
          s.enabled
            ? action('Disable', () => disableSubscription(s), `Disable subscription ${s.id}`)
            : action('Enable', () => enableSubscription(s), `Enable subscription ${s.id}`),
          action('Outbox', () => showOutbox(s), `Outbox of subscription ${s.id}`),
          action('Delete', () => deleteSubscription(s), `Delete subscription ${s.id}`),
        ),
      ),
    ),
  );
  if (subscriptions.length === 0) $('subRows').replaceChildren(empty(5, 'No subscriptions'));
  await loadDeliveries();
}

function pingResult(s) {
  $('subResult').textContent = s.enabled
    ? `PING answered: subscription ${s.id} is enabled.`
    : `PING failed: subscription ${s.id} stays disabled (${s.disabledReason || 'no reason given'}).`;
  $('subResult').className = s.enabled ? 'result ok' : 'result error';
}

async function createSubscription() {
  const url = $('subUrl').value.trim();
  if (!url) throw new Error('Give the URL notifications go to');
  $('subResult').textContent = 'Sending PING…';
  $('subResult').className = 'result';
  const s = await api('POST', `/businesses/${state.businessId}/subscriptions`, { url, eventTypes: checked($('subEvents')) });
  pingResult(s);
  await loadSubscriptions();
}

async function enableSubscription(s) {
  pingResult(await api('POST', `/businesses/${state.businessId}/subscriptions/${s.id}/enable`));
  await loadSubscriptions();
}

async function disableSubscription(s) {
  await api('POST', `/businesses/${state.businessId}/subscriptions/${s.id}/disable`);
  $('subResult').textContent = `Subscription ${s.id} disabled: notifications wait in its outbox until it is enabled again.`;
  $('subResult').className = 'result';
  await loadSubscriptions();
}

async function deleteSubscription(s) {
  if (!confirm(`Delete subscription ${s.id} with its pending notifications and log?`)) return;
  await api('DELETE', `/businesses/${state.businessId}/subscriptions/${s.id}`);
  $('outbox').replaceChildren();
  await loadSubscriptions();
}

async function showOutbox(s) {
  const o = await api('GET', `/businesses/${state.businessId}/subscriptions/${s.id}/outbox`);
  const head = o.head
    ? `next: ${o.head.notificationType} (event ${o.head.eventId}), ${o.head.attempts} attempts, due ${msk(o.head.nextAttemptAt)}${o.head.claimed ? ', being sent' : ''}`
    : 'nothing waiting';
  $('outbox').replaceChildren(
    el('h3', { textContent: `Outbox of subscription ${s.id}` }),
    el('p', { textContent: `pending ${o.pending} · delivered ${o.delivered} · failed ${o.failed} · dropped ${o.dropped}` }),
    el('p', { className: 'muted', textContent: head }),
  );
}

export async function loadDeliveries() {
  const { attempts } = await api('GET', `/businesses/${state.businessId}/deliveries?limit=60`);
  $('deliveryRows').replaceChildren(
    ...attempts.slice(0, 20).map((a) =>
      el(
        'tr',
        {},
        cell(msk(a.startedAt)),
        cell(a.notificationType),
        cell(a.outcome, a.outcome === 'DELIVERED' ? 'ok' : 'error'),
        cell(a.httpStatus),
        cell(`${a.latencyMs} ms`, 'num'),
        cell([a.errorType, a.errorSubtype].filter(Boolean).join(' / ')),
      ),
    ),
  );
  if (attempts.length === 0) $('deliveryRows').replaceChildren(empty(6, 'No delivery attempts yet'));
  $('latencyChart').replaceChildren(latencyChart(attempts, $('latencyChart')));
}

// --- Faults ---------------------------------------------------------------------------------

const faultText = (f) =>
  `${f.kind === 'DELAY' ? `DELAY ${f.delayMs} ms` : f.kind} on ${f.method === '*' ? 'every method' : f.method} · ${
    f.count !== null ? `next ${f.count} call${f.count === 1 ? '' : 's'}` : `${Math.round(f.probability * 100)}% of calls`
  }`;

export async function loadFaults() {
  const { faults } = await api('GET', `/faults?businessId=${state.businessId}`);
  $('faultRows').replaceChildren(
    ...faults.map((f) =>
      el('li', { className: 'fault', dataset: { faultId: String(f.id) } }, el('span', { className: 'badge active', textContent: 'active' }), ` ${faultText(f)} `, action('Clear', () => clearFault(f), `Clear fault ${f.id}`)),
    ),
  );
  if (faults.length === 0) $('faultRows').replaceChildren(el('li', { className: 'muted', textContent: 'No active faults: every call answers normally.' }));
  $('faultCount').textContent = faults.length ? String(faults.length) : '';
  $('faultCount').hidden = faults.length === 0;
}

async function clearFault(f) {
  await api('DELETE', `/faults/${f.id}`);
  await loadFaults();
}

async function addFault() {
  const body = { businessId: state.businessId, method: $('faultMethod').value, kind: $('faultKind').value };
  const share = $('faultProbability').value.trim();
  if (share) body.probability = Number(share) / 100;
  else body.count = Number($('faultCount2').value || 1);
  if (body.kind === 'DELAY') body.delayMs = Number($('faultDelay').value || 0);
  await api('POST', '/faults', body);
  await loadFaults();
}

// --- Quotas ---------------------------------------------------------------------------------

export async function loadQuotas() {
  const q = await api('GET', `/businesses/${state.businessId}/quotas`);
  state.operations = q.quotas.map((x) => x.method);
  $('quotaWindow').textContent = `window ${msk(q.windowStart)} – ${msk(q.resetsAt)} MSK${q.limitsEnabled ? '' : ' · limits are off (--limits off)'}`;
  $('quotaRows').replaceChildren(
    ...q.quotas.map((x) => {
      const meter = el('meter', { min: 0, max: x.limit, value: x.used, 'aria-label': `${x.method} used` });
      return el('tr', { dataset: { method: x.method } }, cell(x.method), cell(x.used, 'num'), cell(x.remaining, 'num'), cell(x.limit, 'num'), el('td', {}, meter), cell(msk(q.resetsAt)));
    }),
  );
  fillFaultMethods();
}

function fillFaultMethods() {
  const current = $('faultMethod').value || '*';
  $('faultMethod').replaceChildren(el('option', { value: '*', textContent: 'every method (*)' }), ...state.operations.map((o) => el('option', { value: o, textContent: o })));
  $('faultMethod').value = current;
}

export function wireAdmin() {
  checkboxes($('keyScopes'), 'scope', SCOPES, ['communication']);
  checkboxes($('subEvents'), 'event', EVENTS, EVENTS);
  $('createKey').addEventListener('click', () => guarded(createKey));
  $('keySecretDone').addEventListener('click', forgetSecret);
  $('keySecretCopy').addEventListener('click', () =>
    guarded(async () => {
      await navigator.clipboard.writeText($('keySecretValue').value);
      notice('Copied', 'info');
    }),
  );
  $('createSub').addEventListener('click', () => guarded(createSubscription));
  $('addFault').addEventListener('click', () => guarded(addFault));
  $('clearFaults').addEventListener('click', () =>
    guarded(async () => {
      await api('DELETE', `/faults?businessId=${state.businessId}`);
      await loadFaults();
    }),
  );
  $('faultKind').addEventListener('change', () => ($('faultDelayRow').hidden = $('faultKind').value !== 'DELAY'));
  $('resetQuotas').addEventListener('click', () =>
    guarded(async () => {
      await api('DELETE', `/businesses/${state.businessId}/quotas`);
      await loadQuotas();
    }),
  );
}
