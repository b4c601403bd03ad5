import { Type } from 'typebox';
import { API_KEY_SCOPES, type Principal } from '../../domain/access.js';
import { type ListedCampaign, pageCampaigns } from '../../domain/campaigns.js';
import { decodePageToken, encodePageToken } from '../paging.js';
import { PageTokenQuery } from '../schemas/common.js';
import { GetCampaignsResponse } from '../schemas/campaign.js';
import type { PartnerRouter } from './route.js';

/** Page size when the caller names none (`limit` has no default on Market; 100 is its maximum). */
export const DEFAULT_CAMPAIGNS_PAGE = 100;

export const getCampaignsOperation = {
  operationId: 'getCampaigns',
  method: 'GET',
  url: '/v2/campaigns',
  summary: 'Список магазинов пользователя',
  description:
    'Для Api-Key-токена возвращает магазины кабинета, для которого выдан токен; для OAuth-токена — магазины, ' +
    'к которым имеет доступ пользователь (X-Business-Id сужает список до одного кабинета).',
  tags: ['campaigns'],
  scopes: API_KEY_SCOPES,
  hourlyLimit: 1000,
  resource: '/campaigns.json',
  querystring: Type.Object({
    pageToken: Type.Optional(PageTokenQuery),
    limit: Type.Optional(
      Type.Integer({ format: 'int32', minimum: 1, maximum: 100, description: 'Количество значений на одной странице.' }),
    ),
    page: Type.Optional(
      Type.Integer({ format: 'int32', minimum: 1, maximum: 10000, default: 1, deprecated: true, description: 'Номер страницы результатов.' }),
    ),
    pageSize: Type.Optional(
      Type.Integer({ format: 'int32', minimum: 1, maximum: 100, deprecated: true, description: 'Размер страницы.' }),
    ),
  }),
  response: GetCampaignsResponse,
} as const;

function campaignDto(c: ListedCampaign) {
  return {
    domain: c.domain,
    id: c.id,
    clientId: c.clientId,
    business: { id: c.business.id, name: c.business.name },
    // Market reports Express stores as FBS.
    placementType: (c.placementModel === 'EXPRESS' ? 'FBS' : c.placementModel) as 'FBS' | 'FBY' | 'DBS',
    apiAvailability: c.apiAvailability as 'AVAILABLE',
  };
}

/**
 * The cabinets whose stores the caller sees: the one the call is about (the key's own, or an OAuth
 * user's named by X-Business-Id), else every cabinet of the OAuth user.
 */
function visibleBusinesses(principal: Principal, businessId: number | null): number[] {
  if (businessId !== null) return [businessId];
  return principal.kind === 'oauth' ? principal.businessIds : [];
}

export function registerGetCampaigns(router: PartnerRouter): void {
  router.add(getCampaignsOperation, async ({ services, principal, businessId, query }) => {
    const businessIds = visibleBusinesses(principal, businessId);
    const db = services.storage.db;
    const paging = (nextId: number | null) => (nextId !== null ? { paging: { nextPageToken: encodePageToken(nextId) } } : {});

    // Token paging as soon as either of its parameters is given; page numbers otherwise.
    if (query.pageToken !== undefined || query.limit !== undefined) {
      const fromId = query.pageToken !== undefined ? decodePageToken(query.pageToken) : undefined;
      const page = await pageCampaigns(db, businessIds, { fromId, limit: query.limit ?? DEFAULT_CAMPAIGNS_PAGE });
      return { campaigns: page.campaigns.map(campaignDto), ...paging(page.nextId) };
    }

    const size = query.pageSize ?? DEFAULT_CAMPAIGNS_PAGE;
    const current = query.page ?? 1;
    const offset = (current - 1) * size;
    const page = await pageCampaigns(db, businessIds, { offset, limit: size });
    const shown = page.campaigns.length;
    return {
      campaigns: page.campaigns.map(campaignDto),
      pager: {
        total: page.total,
        ...(shown > 0 ? { from: offset + 1, to: offset + shown } : {}),
        currentPage: current,
        pagesCount: Math.ceil(page.total / size),
        pageSize: size,
      },
      ...paging(page.nextId),
    };
  });
}
