import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, T0, type TestApp } from '../../helpers/app.js';
import { control, partner, sellerChat } from '../../helpers/control.js';
import { DEMO, errorBody } from '../../helpers/demo.js';

describe('control API: businesses, campaigns, buyers, orders, returns', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.close());

  it('creates a business with its store, buyer, order and return, and lists each', async () => {
    const biz = await control(t, 'POST', '/businesses', { name: 'Garden Tools' });
    expect(biz.statusCode).toBe(201);
    expect(biz.json()).toEqual({ id: expect.any(Number), name: 'Garden Tools', createdAt: new Date(T0).toISOString() });
    const businessId = biz.json().id;

    const camp = await control(t, 'POST', `/businesses/${businessId}/campaigns`, { placementModel: 'EXPRESS' });
    expect(camp.statusCode).toBe(201);
    expect(camp.json()).toMatchObject({ businessId, placementModel: 'EXPRESS', domain: 'Garden Tools (EXPRESS)', apiAvailability: 'AVAILABLE' });

    const buyer = await control(t, 'POST', '/buyers', { name: 'Olga S.', publicId: 'olga-s-1' });
    expect(buyer.json()).toMatchObject({ name: 'Olga S.', publicId: 'olga-s-1' });

    const order = await control(t, 'POST', `/businesses/${businessId}/orders`, { buyerId: buyer.json().id });
    expect(order.statusCode).toBe(201);
    expect(order.json()).toMatchObject({ businessId, campaignId: camp.json().id, buyerId: buyer.json().id });

    const ret = await control(t, 'POST', `/businesses/${businessId}/returns`, { orderId: order.json().id });
    expect(ret.statusCode).toBe(201);
    expect(ret.json()).toMatchObject({ businessId, orderId: order.json().id, campaignId: camp.json().id });

    expect((await control(t, 'GET', '/businesses')).json().businesses.map((b: any) => b.id)).toContain(businessId);
    expect((await control(t, 'GET', `/businesses/${businessId}/campaigns`)).json().campaigns).toHaveLength(1);
    expect((await control(t, 'GET', `/businesses/${businessId}/orders`)).json().orders).toHaveLength(1);
    expect((await control(t, 'GET', `/businesses/${businessId}/returns`)).json().returns).toHaveLength(1);
    expect((await control(t, 'GET', '/buyers')).json().buyers.map((b: any) => b.publicId)).toContain('olga-s-1');
  });

  it('takes chosen ids, and refuses a taken one with 409', async () => {
    const res = await control(t, 'POST', '/businesses', { id: 77000001, name: 'Chosen' });
    expect(res.json().id).toBe(77000001);
    const again = await control(t, 'POST', '/businesses', { id: 77000001, name: 'Again' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual(errorBody('CONFLICT', "Business '77000001' already exists"));
    // The next generated id does not collide with the chosen one.
    const next = await control(t, 'POST', '/businesses', { name: 'Generated' });
    expect(next.statusCode).toBe(201);
    expect(next.json().id).not.toBe(77000001);
  });

  it('answers 404 for unknown ids and 400 for bad bodies, in Market’s envelope', async () => {
    expect((await control(t, 'GET', '/businesses/999')).json()).toEqual(errorBody('NOT_FOUND', "Business not found: '999'"));
    expect((await control(t, 'POST', '/businesses/999/campaigns', { placementModel: 'FBS' })).statusCode).toBe(404);
    expect((await control(t, 'POST', `/businesses/${DEMO.businessId}/orders`, { buyerId: 424242 })).json()).toEqual(
      errorBody('NOT_FOUND', "Buyer not found: '424242'"),
    );
    expect((await control(t, 'DELETE', '/orders/1')).statusCode).toBe(404);

    const model = await control(t, 'POST', `/businesses/${DEMO.businessId}/campaigns`, { placementModel: 'LAAS' });
    expect(model.statusCode).toBe(400);
    expect(model.json().errors[0].message).toContain("unknown value 'LAAS'");
    const missing = await control(t, 'POST', '/businesses', {});
    expect(missing.json()).toEqual(errorBody('BAD_REQUEST', "'name' must not be null (rejected value: null)"));
    const extra = await control(t, 'POST', '/businesses', { name: 'x', owner: 'me' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().errors[0].message).toBe("'owner' is not a field of this request (fields: id, name)");
    const id = await control(t, 'GET', '/businesses/abc');
    expect(id.json()).toEqual(errorBody('BAD_REQUEST', "Type mismatch: 'abc'"));
  });

  it('refuses an order in another business’s store and a return of another business’s order', async () => {
    const order = await control(t, 'POST', `/businesses/${DEMO.businessId}/orders`, { campaignId: DEMO.campaigns.other });
    expect(order.statusCode).toBe(400);
    expect(order.json().errors[0].message).toBe(`Campaign '${DEMO.campaigns.other}' belongs to business '${DEMO.otherBusinessId}'`);
    const ret = await control(t, 'POST', `/businesses/${DEMO.otherBusinessId}/returns`, { orderId: DEMO.orders.first });
    expect(ret.statusCode).toBe(400);
    const empty = (await control(t, 'POST', '/businesses', { name: 'No stores' })).json();
    const none = await control(t, 'POST', `/businesses/${empty.id}/orders`, {});
    expect(none.json().errors[0].message).toBe(`Business '${empty.id}' has no campaign: create one first`);
  });

  it('deleting an order removes its chats; deleting a buyer leaves chats without a customer', async () => {
    const del = await control(t, 'DELETE', `/orders/${DEMO.orders.third}`);
    expect(del.statusCode).toBe(200);
    // The return of that order and the chat about the return go with it.
    expect((await sellerChat(t, DEMO.chats.return)).statusCode).toBe(404);
    expect((await control(t, 'GET', `/businesses/${DEMO.businessId}/returns`)).json().returns.map((r: any) => r.id)).not.toContain(DEMO.returns.first);

    expect((await control(t, 'DELETE', '/buyers/6000002')).statusCode).toBe(200);
    const chat = (await sellerChat(t, DEMO.chats.orderWaiting)).json();
    expect(chat.result.context.customer).toBeUndefined();
  });

  it('deleting a business removes its chats and keys', async () => {
    const res = await control(t, 'DELETE', `/businesses/${DEMO.otherBusinessId}`);
    expect(res.json()).toMatchObject({ id: DEMO.otherBusinessId, name: 'Another Seller' });
    const call = await partner(t, 'GET', `/v2/businesses/${DEMO.otherBusinessId}/chat?chatId=5000007`, undefined, DEMO.keys.otherBusiness);
    expect(call.statusCode).toBe(401);
    expect((await control(t, 'GET', `/businesses/${DEMO.otherBusinessId}`)).statusCode).toBe(404);
    const chats = await t.services.storage.db.selectFrom('chats').select('id').where('business_id', '=', DEMO.otherBusinessId).execute();
    expect(chats).toEqual([]);
  });

  it('deleting a campaign removes its orders and their chats', async () => {
    const res = await control(t, 'DELETE', `/campaigns/${DEMO.campaigns.dbs}`);
    expect(res.statusCode).toBe(200);
    expect((await sellerChat(t, DEMO.chats.arbitrage)).statusCode).toBe(404);
    expect((await control(t, 'GET', `/businesses/${DEMO.businessId}/orders`)).json().orders.map((o: any) => o.id)).not.toContain(DEMO.orders.dbs);
  });
});
