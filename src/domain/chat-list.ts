import { sql } from 'kysely';
import type { Db } from '../storage/storage.js';
import { chatQuery, isStoredId, toChat } from './chats.js';
import type { Chat, ChatStatus, ChatType, ContextType } from './model.js';

/** getChats filters: every given field must match (AND), any value of one field may (OR). */
export interface ChatFilter {
  contexts?: readonly { type: 'ORDER' | 'RETURN'; id: number }[];
  contextTypes?: readonly ContextType[];
  types?: readonly ChatType[];
  statuses?: readonly ChatStatus[];
  /** Deprecated: chats whose order (of an ORDER or a RETURN chat) is one of these. */
  orderIds?: readonly number[];
}

export interface ChatPage {
  chats: Chat[];
  /** Where the next page starts (its first chat id), or null on the last page. */
  nextId: number | null;
}

/**
 * Ids as SQL literals: a 512 KB body holds tens of thousands of them, beyond both dialects'
 * bound-parameter limits. Only safe integers reach here, so inlining cannot inject anything.
 */
function idList(ids: readonly number[]) {
  return sql.join(ids.map((id) => sql.lit(id)));
}

/**
 * One page of a business's chats, newest chat first (chatId descending), from `fromId` down
 * (inclusive). Ordering by the immutable id keeps pages stable: a chat whose status or
 * `updatedAt` changes between pages is neither skipped nor repeated, and chats created after
 * the first page have higher ids, so they never appear on later pages.
 */
export async function listChats(
  db: Db,
  businessId: number,
  filter: ChatFilter,
  page: { fromId?: number; limit: number },
): Promise<ChatPage> {
  // Ids beyond 2^53 are never issued, so they match nothing.
  const orderIds = filter.orderIds?.filter(isStoredId);
  const contexts = filter.contexts?.filter((c) => isStoredId(c.id));
  if (orderIds?.length === 0 || contexts?.length === 0) return { chats: [], nextId: null };

  let q = chatQuery(db).where('chats.business_id', '=', businessId);
  if (page.fromId !== undefined) q = q.where('chats.id', '<=', page.fromId);
  if (filter.contextTypes) q = q.where('chats.context_type', 'in', [...filter.contextTypes]);
  if (filter.types) q = q.where('chats.type', 'in', [...filter.types]);
  if (filter.statuses) q = q.where('chats.status', 'in', [...filter.statuses]);
  if (orderIds) q = q.where(sql<boolean>`chats.order_id in (${idList(orderIds)})`);
  if (contexts) {
    const orders = contexts.filter((c) => c.type === 'ORDER').map((c) => c.id);
    const returns = contexts.filter((c) => c.type === 'RETURN').map((c) => c.id);
    q = q.where((eb) =>
      eb.or([
        ...(orders.length > 0
          ? [eb.and([eb('chats.context_type', '=', 'ORDER'), sql<boolean>`chats.order_id in (${idList(orders)})`])]
          : []),
        ...(returns.length > 0
          ? [eb.and([eb('chats.context_type', '=', 'RETURN'), sql<boolean>`chats.return_id in (${idList(returns)})`])]
          : []),
      ]),
    );
  }
  const rows = await q.orderBy('chats.id', 'desc').limit(page.limit + 1).execute();
  const hasMore = rows.length > page.limit;
  return {
    chats: rows.slice(0, page.limit).map(toChat),
    nextId: hasMore ? rows[page.limit].id : null,
  };
}
