import type { Storage } from '../storage/storage.js';
import { syncSequences } from '../storage/sequences.js';
import { hashToken, type Scope } from './access.js';

/** Well-known demo credentials: ymchat is a sandbox, and the README prints them. */
export const DEMO = {
  businessId: 1000001,
  otherBusinessId: 1000002,
  campaigns: { fbs: 2000001, dbs: 2000002, other: 2000003 },
  keys: {
    communication: `ACMA:${'DemoCommunicationKey'.padEnd(40, '0')}:0000c001`,
    readOnly: `ACMA:${'DemoReadOnlyKey'.padEnd(40, '0')}:0000c002`,
    allMethods: `ACMA:${'DemoAllMethodsKey'.padEnd(40, '0')}:0000c003`,
    pricingOnly: `ACMA:${'DemoPricingKey'.padEnd(40, '0')}:0000c004`,
    otherBusiness: `ACMA:${'DemoOtherBusinessKey'.padEnd(40, '0')}:0000c005`,
  },
  oauth: { token: 'y0_DemoOAuthTokenForYmchatSandbox', clientId: 'demo-client-id', login: 'demo-manager' },
  chats: { order: 5000001, orderWaiting: 5000002, return: 5000003, direct: 5000004, directFinished: 5000005, arbitrage: 5000006 },
  orders: { first: 3000001, second: 3000002, third: 3000003, dbs: 3000004, noChat: 3000005 },
  returns: { first: 4000001, noChat: 4000002 },
} as const;

const MIN = 60_000;

/** True when the database holds no business yet. */
export async function isEmpty(storage: Storage): Promise<boolean> {
  const row = await storage.db.selectFrom('businesses').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

/**
 * The demo sandbox: two businesses, three stores, buyers, orders, returns, chats of each context
 * type with messages, and Api-Keys of several scope sets.
 */
export async function seedDemo(storage: Storage, nowMs: number): Promise<void> {
  const t = (minutesAgo: number) => nowMs - minutesAgo * MIN;
  await storage.db.transaction().execute(async (db) => {
    await db.insertInto('businesses').values([
      { id: DEMO.businessId, name: 'Demo Electronics', created_at: t(60 * 24 * 30) },
      { id: DEMO.otherBusinessId, name: 'Another Seller', created_at: t(60 * 24 * 30) },
    ]).execute();
    await db.insertInto('campaigns').values([
      { id: DEMO.campaigns.fbs, business_id: DEMO.businessId, domain: 'demo-electronics.market.example', client_id: 7000001, placement_model: 'FBS', api_availability: 'AVAILABLE', created_at: t(60 * 24 * 30) },
      { id: DEMO.campaigns.dbs, business_id: DEMO.businessId, domain: 'demo-electronics-dbs.market.example', client_id: 7000002, placement_model: 'DBS', api_availability: 'AVAILABLE', created_at: t(60 * 24 * 30) },
      { id: DEMO.campaigns.other, business_id: DEMO.otherBusinessId, domain: 'another-seller.market.example', client_id: 7000003, placement_model: 'FBY', api_availability: 'AVAILABLE', created_at: t(60 * 24 * 30) },
    ]).execute();
    await db.insertInto('buyers').values([
      { id: 6000001, name: 'Anna K.', public_id: 'anna-k-4f2a9c', created_at: t(60 * 24 * 20) },
      { id: 6000002, name: 'Ivan P.', public_id: 'ivan-p-77b0d1', created_at: t(60 * 24 * 20) },
      { id: 6000003, name: null, public_id: 'hidden-1c9e', created_at: t(60 * 24 * 20) },
    ]).execute();
    await db.insertInto('orders').values([
      { id: DEMO.orders.first, business_id: DEMO.businessId, campaign_id: DEMO.campaigns.fbs, buyer_id: 6000001, created_at: t(60 * 24 * 5) },
      { id: DEMO.orders.second, business_id: DEMO.businessId, campaign_id: DEMO.campaigns.fbs, buyer_id: 6000002, created_at: t(60 * 24 * 4) },
      { id: DEMO.orders.third, business_id: DEMO.businessId, campaign_id: DEMO.campaigns.fbs, buyer_id: 6000001, created_at: t(60 * 24 * 3) },
      { id: DEMO.orders.dbs, business_id: DEMO.businessId, campaign_id: DEMO.campaigns.dbs, buyer_id: 6000002, created_at: t(60 * 24 * 2) },
      { id: DEMO.orders.noChat, business_id: DEMO.businessId, campaign_id: DEMO.campaigns.fbs, buyer_id: 6000003, created_at: t(60 * 24) },
      { id: 3000006, business_id: DEMO.otherBusinessId, campaign_id: DEMO.campaigns.other, buyer_id: 6000002, created_at: t(60 * 24) },
    ]).execute();
    await db.insertInto('returns').values([
      { id: DEMO.returns.first, business_id: DEMO.businessId, order_id: DEMO.orders.third, campaign_id: DEMO.campaigns.fbs, created_at: t(60 * 24) },
      { id: DEMO.returns.noChat, business_id: DEMO.businessId, order_id: DEMO.orders.second, campaign_id: DEMO.campaigns.fbs, created_at: t(60 * 12) },
    ]).execute();

    const chat = (id: number, ctx: 'ORDER' | 'RETURN' | 'DIRECT', p: { order?: number; ret?: number; campaign?: number; buyer: number; type?: string; status: string; created: number; updated: number; subject?: string; business?: number }) => ({
      id,
      business_id: p.business ?? DEMO.businessId,
      context_type: ctx,
      context_key: ctx === 'ORDER' ? `ORDER:${p.order}` : ctx === 'RETURN' ? `RETURN:${p.ret}` : null,
      campaign_id: p.campaign ?? null,
      order_id: p.order ?? null,
      return_id: p.ret ?? null,
      buyer_id: p.buyer,
      subject: p.subject ?? null,
      type: p.type ?? 'CHAT',
      status: p.status,
      created_at: p.created,
      updated_at: p.updated,
      version: 1,
    });
    await db.insertInto('chats').values([
      chat(DEMO.chats.order, 'ORDER', { order: DEMO.orders.first, campaign: DEMO.campaigns.fbs, buyer: 6000001, status: 'WAITING_FOR_PARTNER', created: t(600), updated: t(30) }),
      chat(DEMO.chats.orderWaiting, 'ORDER', { order: DEMO.orders.second, campaign: DEMO.campaigns.fbs, buyer: 6000002, status: 'WAITING_FOR_CUSTOMER', created: t(500), updated: t(120) }),
      chat(DEMO.chats.return, 'RETURN', { order: DEMO.orders.third, ret: DEMO.returns.first, campaign: DEMO.campaigns.fbs, buyer: 6000001, status: 'WAITING_FOR_PARTNER', created: t(400), updated: t(45) }),
      chat(DEMO.chats.direct, 'DIRECT', { buyer: 6000002, status: 'WAITING_FOR_PARTNER', created: t(300), updated: t(10), subject: 'Wireless headphones X200' }),
      chat(DEMO.chats.directFinished, 'DIRECT', { buyer: 6000003, status: 'FINISHED', created: t(3000), updated: t(2800), subject: 'USB-C charger 65W' }),
      chat(DEMO.chats.arbitrage, 'ORDER', { order: DEMO.orders.dbs, campaign: DEMO.campaigns.dbs, buyer: 6000002, type: 'ARBITRAGE', status: 'WAITING_FOR_ARBITER', created: t(2000), updated: t(200) }),
      chat(5000007, 'ORDER', { order: 3000006, campaign: DEMO.campaigns.other, buyer: 6000002, status: 'NEW', created: t(100), updated: t(100), business: DEMO.otherBusinessId }),
    ]).execute();

    const msg = (chatId: number, sender: string, text: string, minutesAgo: number, business: number = DEMO.businessId) => ({
      chat_id: chatId, business_id: business, sender, text, created_at: t(minutesAgo),
    });
    await db.insertInto('messages').values([
      msg(DEMO.chats.order, 'MARKET', 'Покупатель начал чат по заказу 3000001.', 600),
      msg(DEMO.chats.order, 'CUSTOMER', 'Здравствуйте! Когда передадите заказ в доставку?', 590),
      msg(DEMO.chats.order, 'PARTNER', 'Добрый день! Сегодня до 18:00.', 400),
      msg(DEMO.chats.order, 'CUSTOMER', 'Можно ли добавить в заказ чехол?', 30),
      msg(DEMO.chats.orderWaiting, 'CUSTOMER', 'Пришёл не тот цвет.', 480),
      msg(DEMO.chats.orderWaiting, 'PARTNER', 'Пришлите, пожалуйста, фото товара.', 120),
      msg(DEMO.chats.return, 'CUSTOMER', 'Оформил возврат, коробка повреждена при доставке.', 45),
      msg(DEMO.chats.direct, 'CUSTOMER', 'Подходят ли эти наушники к iPhone 15?', 10),
      msg(DEMO.chats.directFinished, 'CUSTOMER', 'Есть ли зарядка в наличии?', 3000),
      msg(DEMO.chats.directFinished, 'PARTNER', 'Да, есть.', 2900),
      msg(DEMO.chats.directFinished, 'MARKET', 'Чат завершён.', 2800),
      msg(DEMO.chats.arbitrage, 'CUSTOMER', 'Курьер не привёз заказ.', 1900),
      msg(DEMO.chats.arbitrage, 'PARTNER', 'Заказ доставлен, есть подпись.', 1000),
      msg(DEMO.chats.arbitrage, 'SUPPORT', 'Открыт спор. Арбитр изучит ситуацию.', 200),
      msg(5000007, 'MARKET', 'Чат создан.', 100, DEMO.otherBusinessId),
    ]).execute();

    const key = (name: string, token: string, scopes: Scope[], business: number = DEMO.businessId) => ({
      business_id: business, name, token_hash: hashToken(token), scopes: JSON.stringify(scopes), created_at: t(60 * 24 * 30), revoked_at: null,
    });
    await db.insertInto('api_keys').values([
      key('demo-communication', DEMO.keys.communication, ['communication']),
      key('demo-read-only', DEMO.keys.readOnly, ['all-methods:read-only']),
      key('demo-all-methods', DEMO.keys.allMethods, ['all-methods']),
      key('demo-pricing-only', DEMO.keys.pricingOnly, ['pricing', 'offers-and-cards-management']),
      key('other-business', DEMO.keys.otherBusiness, ['communication'], DEMO.otherBusinessId),
    ]).execute();
    const user = await db.insertInto('oauth_users').values({ login: DEMO.oauth.login, created_at: t(60 * 24 * 30) }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('oauth_user_businesses').values({ user_id: user.id, business_id: DEMO.businessId }).execute();
    await db.insertInto('oauth_tokens').values({ user_id: user.id, client_id: DEMO.oauth.clientId, token_hash: hashToken(DEMO.oauth.token), created_at: t(60 * 24 * 30), revoked_at: null }).execute();
  });
  await syncSequences(storage.db);
}
