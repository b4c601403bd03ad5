import { sql } from 'kysely';
import type { Db } from '../storage/storage.js';
import { prepared } from '../storage/prepared.js';
import { chatQuery, isStoredId, toChat } from './chats.js';
import { CHAT_STATUSES, CHAT_TYPES, CONTEXT_TYPES, type Chat, type ChatStatus, type ChatType, type ContextType } from './model.js';

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

/** The pieces of a getChats query: the business, the page bound, and every filter as SQL. */
type Conditions = ReturnType<typeof sql<boolean>>[];

/** Status, type and context type as plain conditions, where an index already bounds the rows. */
function residual(filter: ChatFilter): Conditions {
  const out: Conditions = [];
  if (filter.contextTypes) out.push(sql<boolean>`chats.context_type in (${sql.join([...filter.contextTypes])})`);
  if (filter.types) out.push(sql<boolean>`chats.type in (${sql.join([...filter.types])})`);
  if (filter.statuses) out.push(sql<boolean>`chats.status in (${sql.join([...filter.statuses])})`);
  return out;
}

const and = (conds: Conditions) => (conds.length === 0 ? sql<boolean>`1 = 1` : sql<boolean>`${sql.join(conds, sql` and `)}`);

/**
 * Ids of one page when status, type or context type is filtered: one index range per combination
 * of the three (chats_business_filter ends in id, so each range is already in page order and stops
 * after limit + 1 rows), merged. The work is bounded by the number of combinations, not by how many
 * chats the business has or how few of them match.
 */
function filteredIds(businessId: number, filter: ChatFilter, fromId: number | undefined, take: number) {
  const arms = [];
  for (const status of filter.statuses ?? CHAT_STATUSES) {
    for (const type of filter.types ?? CHAT_TYPES) {
      for (const contextType of filter.contextTypes ?? CONTEXT_TYPES) {
        // Enum values as literals keep the number of distinct statements small; the rest are parameters.
        const bound = fromId !== undefined ? sql` and id <= ${fromId}` : sql``;
        arms.push(sql`select id from (select id from chats where business_id = ${businessId} and status = ${sql.lit(status)}
          and type = ${sql.lit(type)} and context_type = ${sql.lit(contextType)}${bound} order by id desc limit ${take}) as arm`);
      }
    }
  }
  return sql`${sql.join(arms, sql` union all `)}`;
}

/**
 * One page of a business's chats, newest chat first (chatId descending), from `fromId` down
 * (inclusive). Ordering by the immutable id keeps pages stable: a chat whose status or
 * `updatedAt` changes between pages is neither skipped nor repeated, and chats created after
 * the first page have higher ids, so they never appear on later pages.
 *
 * Every shape of filter walks an index, so a page costs the same at any number of chats: no
 * filter reads chats_business_id backwards; contexts go through the unique context key and
 * orderIds through chats_business_order (both bounded by the list given); status, type and
 * context type through one range per combination (see filteredIds).
 */
export async function listChats(
  db: Db,
  businessId: number,
  filter: ChatFilter,
  page: { fromId?: number; limit: number },
): Promise<ChatPage> {
  const plain = !filter.orderIds && !filter.contexts && !filter.statuses && !filter.types && !filter.contextTypes;
  let rows;
  if (plain) {
    // The most common call, compiled once.
    rows =
      page.fromId === undefined
        ? await firstPage(db, businessId, page.limit + 1)
        : await laterPage(db, businessId, page.fromId, page.limit + 1);
  } else {
    const q = chatPageQuery(db, businessId, filter, page);
    if (q === null) return { chats: [], nextId: null };
    rows = await q.execute();
  }
  const hasMore = rows.length > page.limit;
  return {
    chats: rows.slice(0, page.limit).map(toChat),
    nextId: hasMore ? rows[page.limit].id : null,
  };
}

const firstPage = prepared((db: Db, businessId: number, take: number) =>
  chatQuery(db).where('chats.business_id', '=', businessId).orderBy('chats.id', 'desc').limit(take),
);
const laterPage = prepared((db: Db, businessId: number, fromId: number, take: number) =>
  chatQuery(db).where('chats.business_id', '=', businessId).where('chats.id', '<=', fromId).orderBy('chats.id', 'desc').limit(take),
);

/** The query of one getChats page (limit + 1 rows), or null when nothing can match; tests keep its plan. */
export function chatPageQuery(db: Db, businessId: number, filter: ChatFilter, page: { fromId?: number; limit: number }) {
  // Ids beyond 2^53 are never issued, so they match nothing.
  const orderIds = filter.orderIds?.filter(isStoredId);
  const contexts = filter.contexts?.filter((c) => isStoredId(c.id));
  if (orderIds?.length === 0 || contexts?.length === 0) return null;
  const take = page.limit + 1;

  let q = chatQuery(db).where('chats.business_id', '=', businessId);
  if (page.fromId !== undefined) q = q.where('chats.id', '<=', page.fromId);
  if (contexts) {
    // The unique (business, context key) index finds each context's chat directly.
    const keys = contexts.map((c) => sql.lit(`${c.type}:${c.id}`));
    q = q.where(sql<boolean>`chats.context_key in (${sql.join(keys)})`).where(and(residual(filter)));
    if (orderIds) q = q.where(sql<boolean>`chats.order_id in (${idList(orderIds)})`);
  } else if (orderIds) {
    q = q.where(sql<boolean>`chats.order_id in (${idList(orderIds)})`).where(and(residual(filter)));
  } else if (filter.statuses || filter.types || filter.contextTypes) {
    q = q.where(sql<boolean>`chats.id in (${filteredIds(businessId, filter, page.fromId, take)})`);
  }
  return q.orderBy('chats.id', 'desc').limit(take);
}
