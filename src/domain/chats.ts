import type { Selectable } from 'kysely';
import type { Db } from '../storage/storage.js';
import { prepared } from '../storage/prepared.js';
import type { ChatTable } from '../storage/schema.js';
import type { Chat, ChatStatus, ChatType, ContextType, RequestedId } from './model.js';
import { errors } from './errors.js';
import { opsOf } from '../storage/dialect-ops.js';

type ChatRow = Selectable<ChatTable> & { buyer_name: string | null; buyer_public_id: string | null };

/** Selects chats with their buyer, the shape every chat read needs. */
export function chatQuery(db: Db) {
  return db
    .selectFrom('chats')
    .leftJoin('buyers', 'buyers.id', 'chats.buyer_id')
    .selectAll('chats')
    .select(['buyers.name as buyer_name', 'buyers.public_id as buyer_public_id']);
}

export function toChat(row: ChatRow): Chat {
  const hasCustomer = row.buyer_id !== null && (row.buyer_name !== null || row.buyer_public_id !== null);
  return {
    id: row.id,
    businessId: row.business_id,
    contextType: row.context_type as ContextType,
    campaignId: row.campaign_id,
    orderId: row.order_id,
    returnId: row.return_id,
    customer: hasCustomer ? { name: row.buyer_name, publicId: row.buyer_public_id } : null,
    subject: row.subject,
    type: row.type as ChatType,
    status: row.status as ChatStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Ids above 2^53 are never issued; such a lookup is simply not found. */
export function isStoredId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 1;
}

/** A chat of the business, or CHAT_NOT_FOUND (chats of other businesses are invisible). */
export const chatByIdQuery = (db: Db, chatId: number, businessId: number) =>
  chatQuery(db).where('chats.id', '=', chatId).where('chats.business_id', '=', businessId);
const chatById = prepared(chatByIdQuery);
const lockedChatById = prepared((db: Db, chatId: number, businessId: number) => opsOf(db).lockForUpdate(chatByIdQuery(db, chatId, businessId), 'chats'));

export async function getChat(db: Db, businessId: number, chatId: RequestedId): Promise<Chat> {
  if (!isStoredId(chatId)) throw errors.chatNotFound(chatId);
  const [row] = await chatById(db, chatId, businessId);
  if (!row) throw errors.chatNotFound(chatId);
  return toChat(row);
}

/**
 * The chat as it is now, locked until the transaction `trx` ends: a state change decides from
 * this copy, never from one read before, so concurrent changes of one chat run one after another.
 */
export async function lockChat(trx: Db, businessId: number, chatId: RequestedId): Promise<Chat> {
  if (!isStoredId(chatId)) throw errors.chatNotFound(chatId);
  const [row] = await lockedChatById(trx, chatId, businessId);
  if (!row) throw errors.chatNotFound(chatId);
  return toChat(row);
}
