// The console's frame: sign-in, the header (business, sandbox clock, live state), the panels and
// the live stream that keeps them current.
import { forgetSecret, loadFaults, loadKeys, loadQuotas, loadSubscriptions, wireAdmin } from './admin.js';
import { closeChat, loadBuyers, loadChats, onChange as chatsChanged, openChat, openChatId, wireChats } from './chats.js';
import { $, api, debounce, el, guarded, msk, notice, session, state, whenDenied } from './kit.js';
import { fillOperations, loadRequests, onGoToChat, wireRequests } from './requests.js';

const PANELS = ['chats', 'requests', 'keys', 'subscriptions', 'faults', 'quotas'];
const LOADERS = {
  // Changes while another panel was shown were not followed here: read the open chat again too.
  chats: async () => {
    await loadChats();
    if (openChatId() !== null) await openChat(openChatId());
  },
  requests: loadRequests,
  keys: loadKeys,
  subscriptions: loadSubscriptions,
  faults: loadFaults,
  quotas: loadQuotas,
};
let current = 'chats';
let live = null;
let reconnect = null;

// --- the sandbox clock, ticking between the server's word on it ----------------------------

const clock = { nowMs: 0, frozen: true, mode: 'real', at: 0 };

function setClock(view) {
  Object.assign(clock, { nowMs: view.nowMs, frozen: view.frozen, mode: view.mode, at: Date.now() });
  renderClock();
}

function renderClock() {
  if (!clock.at) return;
  const now = clock.frozen ? clock.nowMs : clock.nowMs + (Date.now() - clock.at);
  $('clock').textContent = `${msk(now)} MSK`;
  $('clockMode').textContent = clock.mode === 'real' ? 'real time' : clock.frozen ? 'frozen' : 'virtual';
}
setInterval(renderClock, 1000);

async function loadClock() {
  setClock(await api('GET', '/clock'));
}

// --- panels -------------------------------------------------------------------------------

function show(panel, focus = false) {
  if (panel !== 'keys') forgetSecret();
  current = panel;
  for (const p of PANELS) {
    const tab = $(`tab-${p}`);
    tab.setAttribute('aria-selected', String(p === panel));
    tab.tabIndex = p === panel ? 0 : -1;
    $(`panel-${p}`).hidden = p !== panel;
  }
  if (focus) $(`tab-${panel}`).focus();
  history.replaceState(null, '', `#${panel}`);
  return guarded(LOADERS[panel]);
}

function wireTabs() {
  for (const p of PANELS) $(`tab-${p}`).addEventListener('click', () => show(p));
  $('tabs').addEventListener('keydown', (e) => {
    const i = PANELS.indexOf(current);
    if (e.key === 'ArrowRight') show(PANELS[(i + 1) % PANELS.length], true);
    else if (e.key === 'ArrowLeft') show(PANELS[(i + PANELS.length - 1) % PANELS.length], true);
    else return;
    e.preventDefault();
  });
}

async function loadBusinesses() {
  const { businesses } = await api('GET', '/businesses');
  state.businesses = businesses;
  const select = $('business');
  select.replaceChildren(...businesses.map((b) => el('option', { value: String(b.id), textContent: `${b.id} ${b.name}` })));
  if (state.businessId && businesses.some((b) => b.id === state.businessId)) select.value = String(state.businessId);
  state.businessId = Number(select.value) || null;
}

async function chooseBusiness(id) {
  if (state.businessId === id) return;
  state.businessId = id;
  $('business').value = String(id);
  closeChat();
}

onGoToChat(async (businessId, chatId) => {
  if (businessId) await chooseBusiness(businessId);
  await show('chats');
  await openChat(chatId);
  $('text').focus();
});

// --- live ---------------------------------------------------------------------------------

function setLive(on, text) {
  $('live').dataset.state = on ? 'on' : 'off';
  $('live').textContent = text;
}

/** Everything a change may concern is read again, once per burst of changes. */
const pending = new Set();
const refresh = debounce(() => {
  const kinds = new Set(pending);
  pending.clear();
  guarded(async () => {
    if (kinds.has('faults')) await loadFaults();
    if (current === 'requests' && kinds.has('requests')) await loadRequests();
    if (current === 'keys' && kinds.has('keys')) await loadKeys();
    if (current === 'subscriptions' && (kinds.has('subscriptions') || kinds.has('deliveries'))) await loadSubscriptions();
    if (current === 'quotas' && (kinds.has('requests') || kinds.has('clock'))) await loadQuotas();
  });
}, 150);

async function startLive() {
  stopLive();
  try {
    const { url } = await api('POST', '/live/tickets');
    live = new EventSource(url);
  } catch {
    setLive(false, 'offline');
    reconnect = setTimeout(startLive, 3000);
    return;
  }
  live.addEventListener('open', () => setLive(true, 'live'));
  live.addEventListener('hello', (e) => setClock(JSON.parse(e.data).clock));
  live.addEventListener('change', (e) => {
    const change = JSON.parse(e.data);
    setClock(change.clock);
    if (current === 'chats') guarded(() => chatsChanged(change));
    for (const k of change.kinds) pending.add(k);
    refresh();
  });
  // A ticket opens one stream: on a drop, ask for a new one rather than let EventSource retry.
  live.addEventListener('error', () => {
    if (!session.token) return;
    setLive(false, 'reconnecting');
    stopLive();
    reconnect = setTimeout(startLive, 2000);
  });
}

function stopLive() {
  clearTimeout(reconnect);
  if (live) live.close();
  live = null;
}

// --- signing in and out -------------------------------------------------------------------

/** Forgets the token and wipes every panel: nothing read with it stays on screen. */
function signOut(message) {
  session.token = '';
  stopLive();
  $('app').hidden = true;
  for (const id of ['chats', 'messages', 'requestRows', 'requestDetail', 'requestsChart', 'keyRows', 'subRows', 'deliveryRows', 'latencyChart', 'outbox', 'faultRows', 'quotaRows', 'business']) {
    $(id).replaceChildren();
  }
  closeChat();
  forgetSecret();
  state.businessId = null;
  $('login').hidden = false;
  $('error').textContent = message || '';
  $('error').hidden = !message;
  $('token').value = '';
  $('token').focus();
}

async function signIn(token) {
  session.token = token;
  try {
    await loadClock();
  } catch (e) {
    signOut(e.message);
    return;
  }
  $('error').hidden = true;
  $('login').hidden = true;
  $('app').hidden = false;
  await guarded(async () => {
    await loadBusinesses();
    await loadBuyers();
    await loadQuotas();
    fillOperations();
    await loadFaults();
  });
  const wanted = location.hash.slice(1);
  await show(PANELS.includes(wanted) ? wanted : 'chats');
  startLive();
}

whenDenied((err) => {
  if (session.token) signOut(err.message);
});

function wireHeader() {
  $('loginForm').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn($('token').value.trim());
  });
  $('disconnect').addEventListener('click', () => signOut(''));
  $('business').addEventListener('change', () =>
    guarded(async () => {
      await chooseBusiness(Number($('business').value));
      await show(current);
    }),
  );
  for (const b of document.querySelectorAll('[data-advance]')) {
    b.addEventListener('click', () => guarded(async () => setClock(await api('POST', '/clock', { action: 'advance', by: b.dataset.advance }))));
  }
  $('freeze').addEventListener('click', () => guarded(async () => setClock(await api('POST', '/clock', { action: 'freeze' }))));
  $('real').addEventListener('click', () => guarded(async () => setClock(await api('POST', '/clock', { action: 'real' }))));
  $('noticeClose').addEventListener('click', () => notice(''));
}

wireHeader();
wireTabs();
wireChats();
wireRequests();
wireAdmin();
if (session.token) signIn(session.token);
else $('token').focus();
