import type { Db } from '../storage/storage.js';
import { prepared, preparedList } from '../storage/prepared.js';
import { getChat, isStoredId } from './chats.js';
import { errors } from './errors.js';
import type { FileRef, Message, RequestedId, Sender } from './model.js';

type MessageRow = { id: number; chat_id: number; sender: string; text: string | null; created_at: number };

const filesOf = preparedList((db: Db, messageIds: readonly number[]) =>
  db.selectFrom('files').select(['id', 'message_id', 'name', 'size', 'token']).where('message_id', 'in', messageIds).orderBy('id'),
);

async function withFiles(db: Db, rows: MessageRow[]): Promise<Message[]> {
  if (rows.length === 0) return [];
  const files = await filesOf(
    db,
    rows.map((r) => r.id),
  );
  const byMessage = new Map<number, FileRef[]>();
  for (const f of files) {
    const list = byMessage.get(f.message_id) ?? [];
    list.push({ id: f.id, name: f.name, size: f.size, token: f.token });
    byMessage.set(f.message_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    chatId: r.chat_id,
    sender: r.sender as Sender,
    text: r.text,
    files: byMessage.get(r.id) ?? [],
    createdAt: r.created_at,
  }));
}

/** One message of a chat, by id; tests keep the plan of this and the page query. */
export const messageQuery = (db: Db, messageId: number, chatId: number) =>
  db.selectFrom('messages').select(['id', 'chat_id', 'sender', 'text', 'created_at']).where('id', '=', messageId).where('chat_id', '=', chatId);
const messageById = prepared(messageQuery);

/** One page of a chat's messages from `fromId` up (`take` rows). */
export const messagePageQuery = (db: Db, chatId: number, fromId: number, take: number) =>
  db
    .selectFrom('messages')
    .select(['id', 'chat_id', 'sender', 'text', 'created_at'])
    .where('chat_id', '=', chatId)
    .where('id', '>=', fromId)
    .orderBy('id')
    .limit(take);
const messagePage = prepared(messagePageQuery);

/** One message of a chat of the business; CHAT_NOT_FOUND / MESSAGE_NOT_FOUND otherwise. */
export async function getMessage(db: Db, businessId: number, chatId: RequestedId, messageId: RequestedId): Promise<Message> {
  const chat = await getChat(db, businessId, chatId);
  if (!isStoredId(messageId)) throw errors.messageNotFound(chatId, messageId);
  const [row] = await messageById(db, messageId, chat.id);
  if (!row) throw errors.messageNotFound(chatId, messageId);
  return (await withFiles(db, [row]))[0];
}

/**
 * Messages of a chat in ascending id order, from `fromId` (inclusive), at most `limit`; `hasMore`
 * tells whether another page follows.
 */
export async function listMessages(
  db: Db,
  chatId: number,
  fromId: number,
  limit: number,
): Promise<{ messages: Message[]; hasMore: boolean }> {
  const rows = await messagePage(db, chatId, fromId, limit + 1);
  const hasMore = rows.length > limit;
  return { messages: await withFiles(db, rows.slice(0, limit)), hasMore };
}

/** A file as stored, for serving it back by its URL. */
export async function getFile(db: Db, fileId: number, token: string) {
  if (!isStoredId(fileId)) return undefined;
  return db
    .selectFrom('files')
    .select(['id', 'name', 'size', 'content_type', 'data', 'token'])
    .where('id', '=', fileId)
    .where('token', '=', token)
    .executeTakeFirst();
}
