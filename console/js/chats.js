// The chats panel: the list of a business's chats, one open chat, and the buyer's, Market's and
// the arbiter's side of it.
import { $, api, el, guarded, msk, state } from './kit.js';

const IMAGE = /\.(png|jpe?g|gif|webp|bmp|svg)$/i;

const open = { chatId: null, chat: null, lastSeenMessageId: 0, senderChosenFor: null };

export function openChatId() {
  return open.chatId;
}

function contextLine(c) {
  if (c.context.type === 'DIRECT') return c.subject || 'direct question';
  if (c.context.type === 'RETURN') return `return ${c.context.returnId}`;
  return `order ${c.context.orderId}`;
}

export async function loadChats() {
  if (!state.businessId) return;
  const status = $('status').value;
  const { chats } = await api('GET', `/businesses/${state.businessId}/chats${status ? `?status=${status}` : ''}`);
  $('chats').replaceChildren(
    ...chats.map((c) => {
      const button = el(
        'button',
        { type: 'button', className: 'chatItem', 'aria-label': `Chat ${c.chatId}, ${c.status}`, onclick: () => guarded(() => openChat(c.chatId)) },
        el('strong', { textContent: `#${c.chatId}` }),
        ' ',
        el('span', { className: 'badge', textContent: c.context.type }),
        c.type === 'ARBITRAGE' ? el('span', { className: 'badge ARBITRAGE', textContent: 'dispute' }) : null,
        el('span', { className: `badge ${c.status}`, textContent: c.status }),
        el('div', { className: 'muted', textContent: `${contextLine(c)} · ${msk(c.updatedAt)}` }),
      );
      const li = el('li', { className: c.chatId === open.chatId ? 'selected' : '', dataset: { chatId: String(c.chatId) } }, button);
      return li;
    }),
  );
  if (chats.length === 0) $('chats').replaceChildren(el('li', { className: 'muted empty', textContent: 'No chats' }));
}

function fileView(f) {
  const label = `${f.name} (${f.size} B)`;
  if (IMAGE.test(f.name)) {
    return el('a', { href: f.url, target: '_blank', rel: 'noopener', className: 'file image' }, el('img', { src: f.url, alt: f.name, loading: 'lazy' }), el('span', { textContent: label }));
  }
  return el('a', { href: f.url, target: '_blank', rel: 'noopener', className: 'file', textContent: `📎 ${label}` });
}

function messageView(m) {
  return el(
    'div',
    { className: `msg ${m.sender}`, dataset: { messageId: String(m.messageId) } },
    el('div', { className: 'meta', textContent: `${m.sender} · #${m.messageId} · ${msk(m.createdAt)}` }),
    m.message ? el('div', { className: 'text', textContent: m.message }) : null,
    ...(m.payload || []).map(fileView),
  );
}

/** Opens a chat, or shows it again after a change (keeping the reader's scroll where it was). */
export async function openChat(chatId) {
  const switching = open.chatId !== chatId;
  const chat = await api('GET', `/chats/${chatId}`);
  const { messages } = await api('GET', `/chats/${chatId}/messages?limit=1000`);
  if (!switching && open.chatId !== chatId) return;
  open.chatId = chatId;
  open.chat = chat;
  $('chatTitle').textContent = `Chat #${chat.chatId}`;
  const who = chat.context.customer ? ` · buyer ${chat.context.customer.name || chat.context.customer.publicId}` : '';
  $('chatMeta').textContent = `${chat.context.type} · ${chat.type} · ${chat.status} · ${contextLine(chat)}${who}`;
  $('chatMeta').dataset.status = chat.status;
  const box = $('messages');
  const atBottom = switching || box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...messages.map(messageView));
  if (messages.length === 0) box.replaceChildren(el('p', { className: 'muted', textContent: 'No messages yet' }));
  if (atBottom) box.scrollTop = box.scrollHeight;
  // On a phone the chat is below the list: bring it into view when one is picked.
  if (switching && window.matchMedia('(max-width: 760px)').matches) $('chatTitle').scrollIntoView();
  // In a dispute the arbiter is who usually writes; otherwise the buyer.
  const senderKey = `${chat.chatId}:${chat.type}`;
  if (open.senderChosenFor !== senderKey) {
    $('sender').value = chat.type === 'ARBITRAGE' ? 'ARBITER' : 'CUSTOMER';
    open.senderChosenFor = senderKey;
  }
  const finished = chat.status === 'FINISHED';
  $('composer').hidden = false;
  $('send').disabled = finished;
  $('attach').disabled = finished;
  $('openDispute').disabled = finished || chat.type === 'ARBITRAGE' || chat.context.type === 'DIRECT';
  $('closeDispute').disabled = finished || chat.type !== 'ARBITRAGE';
  $('finish').disabled = finished || chat.type === 'ARBITRAGE';
  for (const li of $('chats').children) li.classList.toggle('selected', Number(li.dataset.chatId) === chatId);
}

export function closeChat() {
  open.chatId = null;
  open.chat = null;
  $('chatTitle').textContent = 'No chat selected';
  $('chatMeta').textContent = '';
  $('messages').replaceChildren();
  $('composer').hidden = true;
}

async function act(path) {
  await api('POST', `/chats/${open.chatId}${path}`);
  await openChat(open.chatId);
  await loadChats();
}

async function send() {
  const text = $('text').value.trim();
  if (!text) throw new Error('Write a message first');
  await api('POST', `/chats/${open.chatId}/messages`, { sender: $('sender').value, message: text });
  $('text').value = '';
  await openChat(open.chatId);
  await loadChats();
}

async function attach(file) {
  const form = new FormData();
  form.append('file', file, file.name);
  await api('POST', `/chats/${open.chatId}/files?sender=${$('sender').value}`, form);
  await openChat(open.chatId);
  await loadChats();
}

async function startDirect() {
  const body = { businessId: state.businessId, buyerId: Number($('buyer').value) };
  if ($('subject').value.trim()) body.subject = $('subject').value.trim();
  if ($('firstMessage').value.trim()) body.message = $('firstMessage').value.trim();
  const out = await api('POST', '/chats/direct', body);
  $('firstMessage').value = '';
  await loadChats();
  await openChat(out.chat.chatId);
}

export async function loadBuyers() {
  const { buyers } = await api('GET', '/buyers');
  $('buyer').replaceChildren(...buyers.map((b) => el('option', { value: String(b.id), textContent: `${b.name || b.publicId || 'buyer'} (${b.id})` })));
}

export function wireChats() {
  $('status').addEventListener('change', () => guarded(loadChats));
  $('send').addEventListener('click', () => guarded(send));
  $('text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) guarded(send);
  });
  $('attach').addEventListener('click', () => $('file').click());
  $('file').addEventListener('change', () => {
    const file = $('file').files[0];
    $('file').value = '';
    if (file) guarded(() => attach(file));
  });
  $('openDispute').addEventListener('click', () => guarded(() => act('/dispute')));
  $('closeDispute').addEventListener('click', () => guarded(() => act('/dispute/close')));
  $('finish').addEventListener('click', () => guarded(() => act('/finish')));
  $('startDirect').addEventListener('click', () => guarded(startDirect));
}

/** What the live stream said changed: chats or messages anywhere mean the list and the open chat. */
export async function onChange(change) {
  if (!change.kinds.includes('chats') && !change.kinds.includes('messages')) return;
  await loadChats();
  if (open.chatId !== null) await openChat(open.chatId);
}
