import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { DomainContext } from './context.js';
import type { BusinessTable, BuyerTable, CampaignTable, Database, OrderTable, ReturnTable } from '../storage/schema.js';
import type { Db } from '../storage/storage.js';
import { syncSequences } from '../storage/sequences.js';
import { isStoredId } from './chats.js';
import { errors } from './errors.js';
import type { PlacementModel } from './model.js';

/**
 * The sandbox's own records — businesses, stores, buyers, orders, returns — created and removed by
 * the control API. Market gives sellers no way to make these; the sandbox needs them to exist.
 */
export type SandboxContext = DomainContext;

/** Market's `ApiAvailabilityStatusType`. */
export const API_AVAILABILITY = [
  'AVAILABLE',
  'DISABLED_BY_INACTIVITY',
  'DISABLED_BY_NO_ACTIVE_CONTRACT',
  'MANUALLY_DISABLED',
  'DISABLED_BY_NO_PLACEMENT_TYPE',
] as const;

export interface Business {
  id: number;
  name: string;
  createdAt: number;
}

export interface Campaign {
  id: number;
  businessId: number;
  domain: string;
  clientId: number;
  placementModel: PlacementModel;
  apiAvailability: string;
  createdAt: number;
}

export interface Buyer {
  id: number;
  name: string | null;
  publicId: string | null;
  createdAt: number;
}

export interface Order {
  id: number;
  businessId: number;
  campaignId: number;
  buyerId: number | null;
  createdAt: number;
}

export interface Return {
  id: number;
  businessId: number;
  orderId: number;
  campaignId: number;
  createdAt: number;
}

type IdTable = 'businesses' | 'campaigns' | 'buyers' | 'orders' | 'returns';

/**
 * Inserts a row, with the caller's id when one is given (a taken id is a conflict); explicit ids
 * move PostgreSQL's sequence past them so later rows do not collide.
 */
async function insertWithId(
  ctx: SandboxContext,
  table: IdTable,
  entity: string,
  id: number | undefined,
  values: Record<string, unknown>,
): Promise<number> {
  const db = ctx.db;
  if (id !== undefined) {
    const taken = await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
    if (taken) throw errors.conflict(`${entity} '${id}' already exists`);
  }
  const row = await db
    .insertInto(table)
    .values({ ...(id !== undefined ? { id } : {}), ...values } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  if (id !== undefined) await syncSequences(ctx.db);
  return row.id;
}

function lookupId(id: number): number | null {
  return isStoredId(id) ? id : null;
}

type Row<T extends IdTable> = Selectable<Database[T]>;

/** One record by id, mapped; an id that cannot be stored is simply not found. */
async function byId<T extends IdTable, R>(db: Db, table: T, entity: string, id: number, map: (row: Row<T>) => R): Promise<R> {
  const key = lookupId(id);
  const row = key === null ? undefined : await db.selectFrom(table as IdTable).selectAll().where('id', '=', key).executeTakeFirst();
  if (!row) throw errors.notFound(entity, id);
  return map(row as Row<T>);
}

/** The records of a business in id order; an unknown business is not found. */
async function ofBusiness<T extends 'campaigns' | 'orders' | 'returns', R>(db: Db, table: T, businessId: number, map: (row: Row<T>) => R): Promise<R[]> {
  await getBusiness(db, businessId);
  const rows = await db.selectFrom(table as 'campaigns' | 'orders' | 'returns').selectAll().where('business_id', '=', businessId).orderBy('id').execute();
  return rows.map((r) => map(r as Row<T>));
}

// Businesses

const toBusiness = (r: Selectable<BusinessTable>): Business => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
});

export async function createBusiness(ctx: SandboxContext, input: { id?: number; name: string }): Promise<Business> {
  const id = await insertWithId(ctx, 'businesses', 'Business', input.id, { name: input.name, created_at: ctx.clock.now() });
  return getBusiness(ctx.db, id);
}

export async function listBusinesses(db: Db): Promise<Business[]> {
  return (await db.selectFrom('businesses').selectAll().orderBy('id').execute()).map(toBusiness);
}

export async function getBusiness(db: Db, id: number): Promise<Business> {
  return byId(db, 'businesses', 'Business', id, toBusiness);
}

/**
 * Removes a business with everything that hangs on it: stores, orders, returns, chats, keys,
 * subscriptions (by cascade), and its notification events and quota counters.
 */
export async function deleteBusiness(ctx: SandboxContext, id: number): Promise<Business> {
  const business = await getBusiness(ctx.db, id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('events').where('business_id', '=', id).execute();
    await trx.deleteFrom('quota_counters').where('business_id', '=', id).execute();
    await trx.deleteFrom('businesses').where('id', '=', id).execute();
  });
  return business;
}

// Campaigns (stores)

const toCampaign = (r: Selectable<CampaignTable>): Campaign => ({
  id: r.id,
  businessId: r.business_id,
  domain: r.domain,
  clientId: r.client_id,
  placementModel: r.placement_model as PlacementModel,
  apiAvailability: r.api_availability,
  createdAt: r.created_at,
});

export interface NewCampaign {
  id?: number;
  placementModel: PlacementModel;
  domain?: string;
  clientId?: number;
  apiAvailability?: string;
}

export async function createCampaign(ctx: SandboxContext, businessId: number, input: NewCampaign): Promise<Campaign> {
  const business = await getBusiness(ctx.db, businessId);
  const id = await insertWithId(ctx, 'campaigns', 'Campaign', input.id, {
    business_id: business.id,
    domain: input.domain ?? `${business.name} (${input.placementModel})`,
    client_id: input.clientId ?? business.id,
    placement_model: input.placementModel,
    api_availability: input.apiAvailability ?? 'AVAILABLE',
    created_at: ctx.clock.now(),
  });
  return getCampaign(ctx.db, id);
}

export async function listCampaigns(db: Db, businessId: number): Promise<Campaign[]> {
  return ofBusiness(db, 'campaigns', businessId, toCampaign);
}

export async function getCampaign(db: Db, id: number): Promise<Campaign> {
  return byId(db, 'campaigns', 'Campaign', id, toCampaign);
}

/** Removes a store with its orders, returns and their chats. */
export async function deleteCampaign(ctx: SandboxContext, id: number): Promise<Campaign> {
  const campaign = await getCampaign(ctx.db, id);
  await ctx.db.transaction().execute(async (trx) => {
    // Chats name their store without a foreign key (DIRECT chats have none), so remove them here.
    await trx.deleteFrom('chats').where('campaign_id', '=', id).execute();
    await trx.deleteFrom('campaigns').where('id', '=', id).execute();
  });
  return campaign;
}

// Buyers

const toBuyer = (r: Selectable<BuyerTable>): Buyer => ({
  id: r.id,
  name: r.name,
  publicId: r.public_id,
  createdAt: r.created_at,
});

export async function createBuyer(
  ctx: SandboxContext,
  input: { id?: number; name?: string | null; publicId?: string | null },
): Promise<Buyer> {
  const id = await insertWithId(ctx, 'buyers', 'Buyer', input.id, {
    name: input.name ?? null,
    public_id: input.publicId === undefined ? `buyer-${crypto.randomBytes(4).toString('hex')}` : input.publicId,
    created_at: ctx.clock.now(),
  });
  return getBuyer(ctx.db, id);
}

export async function listBuyers(db: Db): Promise<Buyer[]> {
  return (await db.selectFrom('buyers').selectAll().orderBy('id').execute()).map(toBuyer);
}

export async function getBuyer(db: Db, id: number): Promise<Buyer> {
  return byId(db, 'buyers', 'Buyer', id, toBuyer);
}

/** Removes a buyer; their orders and chats stay, without a customer (as an anonymised buyer). */
export async function deleteBuyer(ctx: SandboxContext, id: number): Promise<Buyer> {
  const buyer = await getBuyer(ctx.db, id);
  await ctx.db.deleteFrom('buyers').where('id', '=', id).execute();
  return buyer;
}

// Orders

const toOrder = (r: Selectable<OrderTable>): Order => ({
  id: r.id,
  businessId: r.business_id,
  campaignId: r.campaign_id,
  buyerId: r.buyer_id,
  createdAt: r.created_at,
});

/** An order in the business's first store unless a store is named; the buyer is optional. */
export async function createOrder(
  ctx: SandboxContext,
  businessId: number,
  input: { id?: number; campaignId?: number; buyerId?: number | null },
): Promise<Order> {
  const db = ctx.db;
  await getBusiness(db, businessId);
  let campaignId = input.campaignId;
  if (campaignId === undefined) {
    const first = await db.selectFrom('campaigns').select('id').where('business_id', '=', businessId).orderBy('id').executeTakeFirst();
    if (!first) throw errors.invalid(`Business '${businessId}' has no campaign: create one first`);
    campaignId = first.id;
  } else {
    const campaign = await getCampaign(db, campaignId);
    if (campaign.businessId !== businessId) throw errors.invalid(`Campaign '${campaignId}' belongs to business '${campaign.businessId}'`);
  }
  if (input.buyerId !== undefined && input.buyerId !== null) await getBuyer(db, input.buyerId);
  const id = await insertWithId(ctx, 'orders', 'Order', input.id, {
    business_id: businessId,
    campaign_id: campaignId,
    buyer_id: input.buyerId ?? null,
    created_at: ctx.clock.now(),
  });
  return getOrder(db, id);
}

export async function listOrders(db: Db, businessId: number): Promise<Order[]> {
  return ofBusiness(db, 'orders', businessId, toOrder);
}

export async function getOrder(db: Db, id: number): Promise<Order> {
  return byId(db, 'orders', 'Order', id, toOrder);
}

/** Removes an order with its returns and the chats about either. */
export async function deleteOrder(ctx: SandboxContext, id: number): Promise<Order> {
  const order = await getOrder(ctx.db, id);
  await ctx.db.transaction().execute(async (trx) => {
    // Return chats carry their order's id too, so one delete covers both.
    await trx.deleteFrom('chats').where('order_id', '=', id).where('business_id', '=', order.businessId).execute();
    await trx.deleteFrom('orders').where('id', '=', id).execute();
  });
  return order;
}

// Returns

const toReturn = (r: Selectable<ReturnTable>): Return => ({
  id: r.id,
  businessId: r.business_id,
  orderId: r.order_id,
  campaignId: r.campaign_id,
  createdAt: r.created_at,
});

export async function createReturn(ctx: SandboxContext, businessId: number, input: { id?: number; orderId: number }): Promise<Return> {
  const db = ctx.db;
  await getBusiness(db, businessId);
  const order = await getOrder(db, input.orderId);
  if (order.businessId !== businessId) throw errors.invalid(`Order '${order.id}' belongs to business '${order.businessId}'`);
  const id = await insertWithId(ctx, 'returns', 'Return', input.id, {
    business_id: businessId,
    order_id: order.id,
    campaign_id: order.campaignId,
    created_at: ctx.clock.now(),
  });
  return getReturn(db, id);
}

export async function listReturns(db: Db, businessId: number): Promise<Return[]> {
  return ofBusiness(db, 'returns', businessId, toReturn);
}

export async function getReturn(db: Db, id: number): Promise<Return> {
  return byId(db, 'returns', 'Return', id, toReturn);
}

/** Removes a return and its chat. */
export async function deleteReturn(ctx: SandboxContext, id: number): Promise<Return> {
  const ret = await getReturn(ctx.db, id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('chats').where('return_id', '=', id).where('business_id', '=', ret.businessId).execute();
    await trx.deleteFrom('returns').where('id', '=', id).execute();
  });
  return ret;
}
