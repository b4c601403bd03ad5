import crypto from 'node:crypto';
import type { Clock } from '../clock.js';
import { sql } from 'kysely';
import type { Db } from '../storage/storage.js';
import { prepared } from '../storage/prepared.js';
import { isStoredId, lockChat } from './chats.js';
import { errors } from './errors.js';
import {
  arbitrageFinishedPayload,
  arbitrageStartedPayload,
  chatCreatedPayload,
  messageSentPayload,
  recordEvent,
  wroteDeliveries,
} from './events.js';
import type { Chat, ChatStatus, RequestedId, Sender } from './model.js';
import type { DomainContext } from './context.js';

/** What a state change needs: the database, the clock, and the notification rule for own messages. */
export interface ActionContext extends DomainContext {
  /** Whether PARTNER messages produce CHAT_MESSAGE_SENT. */
  notifyPartnerMessages: boolean;
  /** Called after a commit that wrote to the outbox. */
  afterCommit?: () => void;
}

/** Placement models whose stores can chat about returns (Market: FBY, FBS, Express). */
export const RETURN_CHAT_MODELS = new Set(['FBS', 'FBY', 'EXPRESS']);

/** Largest file sendFileToChat accepts: 5 MB. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

async function inTransaction<T>(ctx: ActionContext, fn: (trx: Db) => Promise<T>): Promise<T> {
  let used: Db | undefined;
  const result = await ctx.db.transaction().execute((trx) => fn((used = trx)));
  // Waking the sender costs more than a whole write; a commit without deliveries has nothing for it.
  if (used && wroteDeliveries.has(used)) ctx.afterCommit?.();
  return result;
}

/**
 * The status a chat moves to when `sender` writes. Disputes stay with the arbiter; Market's own
 * automatic messages move nothing.
 */
export function statusAfterMessage(chat: Pick<Chat, 'type' | 'status'>, sender: Sender): ChatStatus {
  if (chat.type === 'ARBITRAGE') return chat.status;
  switch (sender) {
    case 'PARTNER':
      return 'WAITING_FOR_CUSTOMER';
    case 'CUSTOMER':
      return 'WAITING_FOR_PARTNER';
    case 'SUPPORT':
      return 'WAITING_FOR_PARTNER';
    case 'MARKET':
      return chat.status;
  }
}

export type ChatContextRef = { type: 'ORDER' | 'RETURN'; id: number };

const chatIdByContext = prepared((db: Db, businessId: number, contextKey: string) =>
  db.selectFrom('chats').select('id').where('business_id', '=', businessId).where('context_key', '=', contextKey),
);

async function contextChatId(db: Db, businessId: number, contextKey: string): Promise<number | undefined> {
  const [row] = await chatIdByContext(db, businessId, contextKey);
  return row?.id;
}

/**
 * The chat of an order or a return: an existing one is returned as it is (createChat is
 * idempotent on Market), a new one starts as CHAT/NEW and announces CHAT_CREATED.
 */
export async function openContextChat(
  ctx: ActionContext,
  businessId: number,
  ref: ChatContextRef,
): Promise<{ chatId: number; created: boolean }> {
  const key = `${ref.type}:${ref.id}`;
  const existing = await contextChatId(ctx.db, businessId, key);
  if (existing !== undefined) return { chatId: existing, created: false };

  let orderId: number;
  let returnId: number | null = null;
  let campaignId: number;
  let buyerId: number | null;
  if (ref.type === 'ORDER') {
    const order = isStoredId(ref.id)
      ? await ctx.db.selectFrom('orders').selectAll().where('id', '=', ref.id).where('business_id', '=', businessId).executeTakeFirst()
      : undefined;
    if (!order) throw errors.orderNotFound(ref.id);
    orderId = order.id;
    campaignId = order.campaign_id;
    buyerId = order.buyer_id;
  } else {
    const ret = isStoredId(ref.id)
      ? await ctx.db
          .selectFrom('returns')
          .innerJoin('orders', 'orders.id', 'returns.order_id')
          .innerJoin('campaigns', 'campaigns.id', 'returns.campaign_id')
          .select(['returns.id', 'returns.order_id', 'returns.campaign_id', 'orders.buyer_id', 'campaigns.placement_model'])
          .where('returns.id', '=', ref.id)
          .where('returns.business_id', '=', businessId)
          .executeTakeFirst()
      : undefined;
    if (!ret) throw errors.returnNotFound(ref.id);
    if (!RETURN_CHAT_MODELS.has(ret.placement_model)) throw errors.returnChatNotAllowed(ret.id, ret.placement_model);
    orderId = ret.order_id;
    returnId = ret.id;
    campaignId = ret.campaign_id;
    buyerId = ret.buyer_id;
  }

  const now = ctx.clock.now();
  const created = await inTransaction(ctx, async (trx) => {
    // The unique (business, context) index decides between concurrent creates: the loser's insert
    // waits for the winner's commit and then does nothing, so the chat and CHAT_CREATED exist once.
    const row = await trx
      .insertInto('chats')
      .values({
        business_id: businessId,
        context_type: ref.type,
        context_key: key,
        campaign_id: campaignId,
        order_id: orderId,
        return_id: returnId,
        buyer_id: buyerId,
        subject: null,
        type: 'CHAT',
        status: 'NEW',
        created_at: now,
        updated_at: now,
        version: 1,
      })
      .onConflict((oc) => oc.columns(['business_id', 'context_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) await recordEvent(trx, businessId, chatCreatedPayload(businessId, row.id, now), now);
    return row?.id ?? null;
  });
  if (created !== null) return { chatId: created, created: true };
  const winner = await contextChatId(ctx.db, businessId, key);
  if (winner === undefined) throw new Error(`chat of ${key} neither inserted nor found`);
  return { chatId: winner, created: false };
}

/** A buyer starts a chat about a product (DIRECT); only the buyer's side can do this. */
export async function openDirectChat(
  ctx: ActionContext,
  businessId: number,
  buyerId: number,
  subject: string | null,
  firstMessage: string | null,
): Promise<{ chatId: number; messageId: number | null }> {
  const now = ctx.clock.now();
  return inTransaction(ctx, async (trx) => {
    const row = await trx
      .insertInto('chats')
      .values({
        business_id: businessId,
        context_type: 'DIRECT',
        context_key: null,
        campaign_id: null,
        order_id: null,
        return_id: null,
        buyer_id: buyerId,
        subject,
        type: 'CHAT',
        status: firstMessage ? 'WAITING_FOR_PARTNER' : 'NEW',
        created_at: now,
        updated_at: now,
        version: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordEvent(trx, businessId, chatCreatedPayload(businessId, row.id, now), now);
    let messageId: number | null = null;
    if (firstMessage) {
      const m = await trx
        .insertInto('messages')
        .values({ chat_id: row.id, business_id: businessId, sender: 'CUSTOMER', text: firstMessage, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      messageId = m.id;
      await recordEvent(trx, businessId, messageSentPayload(businessId, row.id, m.id, now), now);
    }
    return { chatId: row.id, messageId };
  });
}

export interface NewFile {
  name: string;
  contentType: string;
  data: Uint8Array;
}

// A message's statements run on every send: compiled once.
const insertMessage = prepared((db: Db, chatId: number, businessId: number, sender: Sender, text: string | null, createdAt: number) =>
  db.insertInto('messages').values({ chat_id: chatId, business_id: businessId, sender, text, created_at: createdAt }).returning('id'),
);
const moveChat = prepared((db: Db, status: ChatStatus, updatedAt: number, chatId: number) =>
  db
    .updateTable('chats')
    .set((eb) => ({ status, updated_at: updatedAt, version: eb('version', '+', sql.lit(1)) }))
    .where('id', '=', chatId),
);

/**
 * Writes a message (text and/or files) into a chat, moves its status, stamps `updatedAt`, and
 * announces CHAT_MESSAGE_SENT. A FINISHED chat takes no more messages.
 */
export async function postMessage(
  ctx: ActionContext,
  businessId: number,
  chatId: RequestedId,
  sender: Sender,
  text: string | null,
  files: NewFile[] = [],
): Promise<{ messageId: number; chat: Chat }> {
  for (const f of files) {
    if (f.data.byteLength > MAX_FILE_BYTES) {
      throw errors.fileTooLarge(f.data.byteLength, MAX_FILE_BYTES);
    }
  }
  return inTransaction(ctx, async (trx) => {
    const chat = await lockChat(trx, businessId, chatId);
    if (chat.status === 'FINISHED') throw errors.chatFinished(chat.id);
    const now = ctx.clock.now();
    const status = statusAfterMessage(chat, sender);
    const [m] = await insertMessage(trx, chat.id, businessId, sender, text, now);
    for (const f of files) {
      await trx
        .insertInto('files')
        .values({
          message_id: m.id,
          business_id: businessId,
          name: f.name,
          size: f.data.byteLength,
          content_type: f.contentType,
          token: crypto.randomBytes(12).toString('hex'),
          data: f.data,
          created_at: now,
        })
        .execute();
    }
    await moveChat(trx, status, now, chat.id);
    if (sender !== 'PARTNER' || ctx.notifyPartnerMessages) {
      await recordEvent(trx, businessId, messageSentPayload(businessId, chat.id, m.id, now), now);
    }
    return { messageId: m.id, chat: { ...chat, status, updatedAt: now } };
  });
}

type Change = { set: { type?: string; status: ChatStatus }; event: ((businessId: number, chatId: number, at: number) => { notificationType: string }) | null };

/**
 * A status change decided from the chat locked inside the transaction: `decide` sees the chat as
 * it is at that moment and names the change or throws the conflict, so two concurrent calls can
 * never both pass the same check.
 */
async function changeChat(ctx: ActionContext, businessId: number, chatId: number, decide: (chat: Chat) => Change): Promise<Chat> {
  return inTransaction(ctx, async (trx) => {
    const chat = await lockChat(trx, businessId, chatId);
    const { set, event } = decide(chat);
    const now = ctx.clock.now();
    await trx
      .updateTable('chats')
      .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
      .where('id', '=', chat.id)
      .execute();
    if (event) await recordEvent(trx, chat.businessId, event(chat.businessId, chat.id, now), now);
    return { ...chat, ...(set as Partial<Chat>) };
  });
}

/** The buyer opens a dispute: the chat becomes ARBITRAGE, waiting for the arbiter. */
export async function openDispute(ctx: ActionContext, businessId: number, chatId: number): Promise<Chat> {
  return changeChat(ctx, businessId, chatId, (chat) => {
    if (chat.contextType === 'DIRECT') throw errors.conflict(`Chat '${chat.id}' is DIRECT: disputes are about orders and returns`);
    if (chat.status === 'FINISHED') throw errors.conflict(`Chat '${chat.id}' is finished`);
    if (chat.type === 'ARBITRAGE') throw errors.conflict(`Chat '${chat.id}' already has an open dispute`);
    return { set: { type: 'ARBITRAGE', status: 'WAITING_FOR_ARBITER' }, event: arbitrageStartedPayload };
  });
}

/** The arbiter closes the dispute: the chat is FINISHED. */
export async function closeDispute(ctx: ActionContext, businessId: number, chatId: number): Promise<Chat> {
  return changeChat(ctx, businessId, chatId, (chat) => {
    if (chat.type !== 'ARBITRAGE' || chat.status === 'FINISHED') {
      throw errors.conflict(`Chat '${chat.id}' has no open dispute`);
    }
    return { set: { status: 'FINISHED' }, event: arbitrageFinishedPayload };
  });
}

/** Market finishes a chat (no notification: Market sends none for this). */
export async function finishChat(ctx: ActionContext, businessId: number, chatId: number): Promise<Chat> {
  return changeChat(ctx, businessId, chatId, (chat) => {
    if (chat.status === 'FINISHED') throw errors.conflict(`Chat '${chat.id}' is already finished`);
    if (chat.type === 'ARBITRAGE') throw errors.conflict(`Chat '${chat.id}' has an open dispute: close the dispute instead`);
    return { set: { status: 'FINISHED' }, event: null };
  });
}

/** Sets a status directly (e.g. WAITING_FOR_MARKET), for scenarios the rules do not reach. */
export async function setChatStatus(ctx: ActionContext, businessId: number, chatId: number, status: ChatStatus): Promise<Chat> {
  return changeChat(ctx, businessId, chatId, () => ({ set: { status }, event: null }));
}
