import type { Db } from '../storage/storage.js';
import type { PlacementModel } from './model.js';

/** A store (campaign) with the cabinet it belongs to. */
export interface Campaign {
  id: number;
  domain: string;
  clientId: number;
  business: { id: number; name: string };
  placementModel: PlacementModel;
  apiAvailability: string;
}

export interface CampaignPage {
  campaigns: Campaign[];
  /** All stores of the businesses, not just this page. */
  total: number;
  /** Id of the first store of the next page, or null on the last one. */
  nextId: number | null;
}

/**
 * Stores of the given businesses in ascending id order, one page of at most `limit`: either from
 * the store `fromId` on (token paging) or after skipping `offset` stores (page numbers).
 */
export async function listCampaigns(
  db: Db,
  businessIds: readonly number[],
  page: { fromId?: number; offset?: number; limit: number },
): Promise<CampaignPage> {
  if (businessIds.length === 0) return { campaigns: [], total: 0, nextId: null };
  const counted = await db
    .selectFrom('campaigns')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('business_id', 'in', [...businessIds])
    .executeTakeFirstOrThrow();
  let q = db
    .selectFrom('campaigns')
    .innerJoin('businesses', 'businesses.id', 'campaigns.business_id')
    .select([
      'campaigns.id',
      'campaigns.domain',
      'campaigns.client_id',
      'campaigns.placement_model',
      'campaigns.api_availability',
      'businesses.id as business_id',
      'businesses.name as business_name',
    ])
    .where('campaigns.business_id', 'in', [...businessIds])
    .orderBy('campaigns.id')
    .limit(page.limit + 1);
  if (page.fromId !== undefined) q = q.where('campaigns.id', '>=', page.fromId);
  if (page.offset) q = q.offset(page.offset);
  const rows = await q.execute();
  const more = rows.length > page.limit;
  return {
    campaigns: rows.slice(0, page.limit).map((r) => ({
      id: r.id,
      domain: r.domain,
      clientId: r.client_id,
      business: { id: r.business_id, name: r.business_name },
      placementModel: r.placement_model as PlacementModel,
      apiAvailability: r.api_availability,
    })),
    total: Number(counted.n),
    nextId: more ? rows[page.limit].id : null,
  };
}
