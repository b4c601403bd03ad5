// The console's script, served from /console/console.js so the page's CSP needs no inline script.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { chatId: null, chat: null };
  // The admin token lives as long as this tab: sessionStorage, not kept on disk across sessions.
  $('token').value = sessionStorage.getItem('ymchat.adminToken') || '';

  function showError(message) {
    $('error').textContent = message;
    $('error').style.display = message ? 'block' : 'none';
  }

  async function api(method, path, body) {
    const res = await fetch('/_sandbox' + path, {
      method,
      headers: { 'X-Admin-Token': $('token').value, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
    if (!res.ok) throw new Error((data && data.errors && data.errors[0] && data.errors[0].message) || `HTTP ${res.status}`);
    return data;
  }

  async function guarded(fn) {
    try { showError(''); await fn(); } catch (e) { showError(e.message); }
  }

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    for (const c of children) node.append(c);
    return node;
  }

  // Everything is shown in Moscow time, as the partner API gives its dates.
  function fmt(iso) {
    if (!iso) return '';
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : new Date(ms + 3 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
  }

  async function loadClock() {
    const c = await api('GET', '/clock');
    $('clock').textContent = `clock: ${fmt(c.now)} MSK (${c.mode}${c.frozen ? ', frozen' : ''})`;
  }

  async function loadBusinesses() {
    const { businesses } = await api('GET', '/businesses');
    const select = $('business');
    const previous = select.value;
    select.replaceChildren(...businesses.map((b) => el('option', { value: b.id, textContent: `${b.id} ${b.name}` })));
    if (previous) select.value = previous;
    const { buyers } = await api('GET', '/buyers');
    $('buyer').replaceChildren(...buyers.map((b) => el('option', { value: b.id, textContent: `${b.name || b.publicId || 'buyer'} (${b.id})` })));
  }

  async function loadChats() {
    const business = $('business').value;
    if (!business) return;
    const status = $('status').value;
    const { chats } = await api('GET', `/businesses/${business}/chats${status ? `?status=${status}` : ''}`);
    $('chats').replaceChildren(...chats.map((c) => {
      const li = el('li', { className: c.chatId === state.chatId ? 'selected' : '' },
        el('strong', { textContent: `#${c.chatId} ` }),
        el('span', { className: 'badge', textContent: c.context.type }),
        el('span', { className: `badge ${c.type}`, textContent: c.type }),
        el('span', { className: `badge ${c.status}`, textContent: c.status }),
        el('div', { className: 'muted', textContent: `${c.subject || (c.context.returnId ? 'return ' + c.context.returnId : c.context.orderId ? 'order ' + c.context.orderId : '')} · ${fmt(c.updatedAt)}` }));
      li.dataset.chatId = c.chatId;
      li.addEventListener('click', () => guarded(() => openChat(c.chatId)));
      return li;
    }));
    await loadDeliveries();
  }

  async function openChat(chatId) {
    state.chatId = chatId;
    const chat = await api('GET', `/chats/${chatId}`);
    state.chat = chat;
    $('chatTitle').textContent = `Chat #${chat.chatId}`;
    $('chatMeta').textContent = `${chat.context.type} · ${chat.type} · ${chat.status}` +
      (chat.context.customer ? ` · buyer ${chat.context.customer.name || chat.context.customer.publicId}` : '');
    $('chatMeta').dataset.status = chat.status;
    const { messages } = await api('GET', `/chats/${chatId}/messages?limit=1000`);
    $('messages').replaceChildren(...messages.map((m) => el('div', { className: `msg ${m.sender}` },
      el('div', { className: 'meta', textContent: `${m.sender} · #${m.messageId} · ${fmt(m.createdAt)}` }),
      el('div', { textContent: m.message || '' }),
      ...(m.payload || []).map((f) => el('a', { href: f.url, textContent: `📎 ${f.name} (${f.size} B)`, target: '_blank' })))));
    $('messages').scrollTop = $('messages').scrollHeight;
    const finished = chat.status === 'FINISHED';
    $('send').disabled = finished;
    $('openDispute').disabled = finished || chat.type === 'ARBITRAGE' || chat.context.type === 'DIRECT';
    $('closeDispute').disabled = finished || chat.type !== 'ARBITRAGE';
    $('finish').disabled = finished || chat.type === 'ARBITRAGE';
    for (const li of $('chats').children) li.classList.toggle('selected', Number(li.dataset.chatId) === chatId);
  }

  async function loadDeliveries() {
    const business = $('business').value;
    try {
      const data = await api('GET', `/businesses/${business}/deliveries?limit=20`);
      const rows = data.attempts || data.deliveries || [];
      $('deliveries').replaceChildren(...rows.map((a) => el('tr', {},
        el('td', { textContent: fmt(a.startedAt || a.time || '') + (a.clock === 'virtual' ? ' (virtual)' : '') }),
        el('td', { textContent: a.notificationType || a.eventType || a.type || '' }),
        el('td', { textContent: String(a.httpStatus ?? a.status ?? '') }),
        el('td', { textContent: a.latencyMs !== undefined ? `${a.latencyMs} ms` : '' }),
        el('td', { textContent: [a.errorType, a.errorSubtype].filter(Boolean).join(' / ') })))); 
    } catch {
      $('deliveries').replaceChildren(el('tr', {}, el('td', { className: 'muted', colSpan: 5, textContent: 'no delivery log for this business' })));
    }
  }

  async function refreshAll() {
    sessionStorage.setItem('ymchat.adminToken', $('token').value);
    await loadClock();
    await loadBusinesses();
    await loadChats();
    if (state.chatId) await openChat(state.chatId);
  }

  async function act(path) {
    await api('POST', `/chats/${state.chatId}${path}`);
    await openChat(state.chatId);
    await loadChats();
  }

  $('connect').addEventListener('click', () => guarded(refreshAll));
  $('refresh').addEventListener('click', () => guarded(loadChats));
  $('business').addEventListener('change', () => guarded(() => { state.chatId = null; return loadChats(); }));
  $('status').addEventListener('change', () => guarded(loadChats));
  $('send').addEventListener('click', () => guarded(async () => {
    const text = $('text').value.trim();
    if (!text) throw new Error('Write a message first');
    await api('POST', `/chats/${state.chatId}/messages`, { sender: $('sender').value, message: text });
    $('text').value = '';
    await openChat(state.chatId);
    await loadChats();
  }));
  $('openDispute').addEventListener('click', () => guarded(() => act('/dispute')));
  $('closeDispute').addEventListener('click', () => guarded(() => act('/dispute/close')));
  $('finish').addEventListener('click', () => guarded(() => act('/finish')));
  $('startDirect').addEventListener('click', () => guarded(async () => {
    const body = { businessId: Number($('business').value), buyerId: Number($('buyer').value) };
    if ($('subject').value.trim()) body.subject = $('subject').value.trim();
    if ($('firstMessage').value.trim()) body.message = $('firstMessage').value.trim();
    const out = await api('POST', '/chats/direct', body);
    $('firstMessage').value = '';
    await loadChats();
    await openChat(out.chat.chatId);
  }));
  for (const b of document.querySelectorAll('[data-advance]')) {
    b.addEventListener('click', () => guarded(async () => { await api('POST', '/clock', { action: 'advance', by: b.dataset.advance }); await refreshAll(); }));
  }
  $('freeze').addEventListener('click', () => guarded(async () => { await api('POST', '/clock', { action: 'freeze' }); await loadClock(); }));
  $('real').addEventListener('click', () => guarded(async () => { await api('POST', '/clock', { action: 'real' }); await loadClock(); }));
  if ($('token').value) guarded(refreshAll);
})();
