import type { Db } from '../storage/storage.js';
import { getChat, isStoredId } from './chats.js';
import { errors } from './errors.js';
import type { Chat } from './model.js';

/**
 * A chat seen from Market's side: the control API names a chat by its id alone, so this finds the
 * business it belongs to, then reads it through the same per-business read as the partner API.
 */
export async function findChat(db: Db, chatId: number): Promise<Chat> {
  const row = isStoredId(chatId) ? await db.selectFrom('chats').select('business_id').where('id', '=', chatId).executeTakeFirst() : undefined;
  if (!row) throw errors.notFound('Chat', chatId);
  return getChat(db, row.business_id, chatId);
}
