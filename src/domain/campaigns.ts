import type { Db } from '../storage/storage.js';
import { prepared } from '../storage/prepared.js';
import type { PlacementModel } from './model.js';

/** A store (campaign) as the partner API lists it: with the cabinet it belongs to. */
export interface ListedCampaign {
  id: number;
  domain: string;
  clientId: number;
  business: { id: number; name: string };
  placementModel: PlacementModel;
  apiAvailability: string;
}

export interface CampaignPage {
  campaigns: ListedCampaign[];
  /** All stores of the businesses, not just this page. */
  total: number;
  /** Id of the first store of the next page, or null on the last one. */
  nextId: number | null;
}

const campaignColumns = [
  'campaigns.id',
  'campaigns.domain',
  'campaigns.client_id',
  'campaigns.placement_model',
  'campaigns.api_availability',
  'businesses.id as business_id',
  'businesses.name as business_name',
] as const;

const storesOf = (db: Db) => db.selectFrom('campaigns').innerJoin('businesses', 'businesses.id', 'campaigns.business_id').select(campaignColumns);

// One business (every Api-Key call, most OAuth ones): the queries compiled once.
const countOne = prepared((db: Db, businessId: number) =>
  db.selectFrom('campaigns').select((eb) => eb.fn.countAll<number | string>().as('n')).where('business_id', '=', businessId),
);
const pageOneByOffset = prepared((db: Db, businessId: number, limit: number, offset: number) =>
  storesOf(db).where('campaigns.business_id', '=', businessId).orderBy('campaigns.id').limit(limit).offset(offset),
);
const pageOneFrom = prepared((db: Db, businessId: number, fromId: number, limit: number) =>
  storesOf(db).where('campaigns.business_id', '=', businessId).where('campaigns.id', '>=', fromId).orderBy('campaigns.id').limit(limit),
);

/**
 * Stores of the given businesses in ascending id order, one page of at most `limit`: either from
 * the store `fromId` on (token paging) or after skipping `offset` stores (page numbers).
 */
export async function pageCampaigns(
  db: Db,
  businessIds: readonly number[],
  page: { fromId?: number; offset?: number; limit: number },
): Promise<CampaignPage> {
  if (businessIds.length === 0) return { campaigns: [], total: 0, nextId: null };
  if (businessIds.length === 1) {
    const [id] = businessIds;
    const [counted] = await countOne(db, id);
    const rows =
      page.fromId !== undefined
        ? await pageOneFrom(db, id, page.fromId, page.limit + 1)
        : await pageOneByOffset(db, id, page.limit + 1, page.offset ?? 0);
    return toPage(rows, Number(counted.n), page.limit);
  }
  const counted = await db
    .selectFrom('campaigns')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('business_id', 'in', [...businessIds])
    .executeTakeFirstOrThrow();
  let q = storesOf(db)
    .where('campaigns.business_id', 'in', [...businessIds])
    .orderBy('campaigns.id')
    .limit(page.limit + 1);
  if (page.fromId !== undefined) q = q.where('campaigns.id', '>=', page.fromId);
  if (page.offset) q = q.offset(page.offset);
  return toPage(await q.execute(), Number(counted.n), page.limit);
}

type StoreRow = {
  id: number;
  domain: string;
  client_id: number;
  placement_model: string;
  api_availability: string;
  business_id: number;
  business_name: string;
};

function toPage(rows: StoreRow[], total: number, limit: number): CampaignPage {
  const more = rows.length > limit;
  return {
    campaigns: rows.slice(0, limit).map((r) => ({
      id: r.id,
      domain: r.domain,
      clientId: r.client_id,
      business: { id: r.business_id, name: r.business_name },
      placementModel: r.placement_model as PlacementModel,
      apiAvailability: r.api_availability,
    })),
    total,
    nextId: more ? rows[limit].id : null,
  };
}
