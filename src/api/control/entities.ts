import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PLACEMENT_MODELS } from '../../domain/model.js';
import {
  API_AVAILABILITY,
  createBusiness,
  createBuyer,
  createCampaign,
  createOrder,
  createReturn,
  deleteBusiness,
  deleteBuyer,
  deleteCampaign,
  deleteOrder,
  deleteReturn,
  getBusiness,
  listBusinesses,
  listBuyers,
  listCampaigns,
  listOrders,
  listReturns,
} from '../../domain/sandbox-entities.js';
import type { Services } from '../../services.js';
import { Id, controlRoute, idParams, stamped } from './kit.js';

const BusinessParams = idParams('businessId');
const OptionalId = Type.Optional(Id);

/** Businesses, their stores, buyers, orders and returns: the records a seller's chats are about. */
export function registerEntityRoutes(app: FastifyInstance, services: Services): void {
  const db = () => services.storage.db;
  const ctx = () => services.domain;

  controlRoute(app, { method: 'GET', url: '/businesses' }, async () => ({ businesses: (await listBusinesses(db())).map(stamped) }));
  controlRoute(
    app,
    { method: 'POST', url: '/businesses', created: true, body: Type.Object({ id: OptionalId, name: Type.String({ minLength: 1, maxLength: 200 }) }) },
    async ({ body }) => stamped(await createBusiness(ctx(), body)),
  );
  controlRoute(app, { method: 'GET', url: '/businesses/:businessId', params: BusinessParams }, async ({ params }) =>
    stamped(await getBusiness(db(), params.businessId)),
  );
  controlRoute(app, { method: 'DELETE', url: '/businesses/:businessId', params: BusinessParams }, async ({ params }) => {
    const gone = await deleteBusiness(ctx(), params.businessId);
    await services.faults.clear(gone.id);
    services.limiter.quota.forget?.(gone.id);
    return stamped(gone);
  });

  controlRoute(app, { method: 'GET', url: '/businesses/:businessId/campaigns', params: BusinessParams }, async ({ params }) => ({
    campaigns: (await listCampaigns(db(), params.businessId)).map(stamped),
  }));
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/businesses/:businessId/campaigns',
      created: true,
      params: BusinessParams,
      body: Type.Object({
        id: OptionalId,
        placementModel: Type.Enum([...PLACEMENT_MODELS]),
        domain: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        clientId: OptionalId,
        apiAvailability: Type.Optional(Type.Enum([...API_AVAILABILITY])),
      }),
    },
    async ({ params, body }) => stamped(await createCampaign(ctx(), params.businessId, body)),
  );
  controlRoute(app, { method: 'DELETE', url: '/campaigns/:campaignId', params: idParams('campaignId') }, async ({ params }) =>
    stamped(await deleteCampaign(ctx(), params.campaignId)),
  );

  controlRoute(app, { method: 'GET', url: '/buyers' }, async () => ({ buyers: (await listBuyers(db())).map(stamped) }));
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/buyers',
      created: true,
      body: Type.Object({
        id: OptionalId,
        name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
        publicId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
      }),
    },
    async ({ body }) => stamped(await createBuyer(ctx(), body)),
  );
  controlRoute(app, { method: 'DELETE', url: '/buyers/:buyerId', params: idParams('buyerId') }, async ({ params }) =>
    stamped(await deleteBuyer(ctx(), params.buyerId)),
  );

  controlRoute(app, { method: 'GET', url: '/businesses/:businessId/orders', params: BusinessParams }, async ({ params }) => ({
    orders: (await listOrders(db(), params.businessId)).map(stamped),
  }));
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/businesses/:businessId/orders',
      created: true,
      params: BusinessParams,
      body: Type.Object({ id: OptionalId, campaignId: OptionalId, buyerId: Type.Optional(Type.Union([Id, Type.Null()])) }),
    },
    async ({ params, body }) => stamped(await createOrder(ctx(), params.businessId, body)),
  );
  controlRoute(app, { method: 'DELETE', url: '/orders/:orderId', params: idParams('orderId') }, async ({ params }) =>
    stamped(await deleteOrder(ctx(), params.orderId)),
  );

  controlRoute(app, { method: 'GET', url: '/businesses/:businessId/returns', params: BusinessParams }, async ({ params }) => ({
    returns: (await listReturns(db(), params.businessId)).map(stamped),
  }));
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/businesses/:businessId/returns',
      created: true,
      params: BusinessParams,
      body: Type.Object({ id: OptionalId, orderId: Id }),
    },
    async ({ params, body }) => stamped(await createReturn(ctx(), params.businessId, body)),
  );
  controlRoute(app, { method: 'DELETE', url: '/returns/:returnId', params: idParams('returnId') }, async ({ params }) =>
    stamped(await deleteReturn(ctx(), params.returnId)),
  );
}
