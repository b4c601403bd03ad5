import type { InjectOptions } from 'fastify';
import { ADMIN_TOKEN, type TestApp } from './app.js';
import { BIZ, KEY } from './demo.js';

export const admin = { 'x-admin-token': ADMIN_TOKEN };

/** A control API call with the admin token; `payload` goes as JSON. */
export function control(t: TestApp, method: InjectOptions['method'], url: string, payload?: unknown) {
  return t.app.inject({ method, url: `/_sandbox${url}`, headers: admin, ...(payload !== undefined ? { payload: payload as object } : {}) });
}

/** A partner API call with an Api-Key (the demo communication key by default). */
export function partner(t: TestApp, method: InjectOptions['method'], url: string, payload?: unknown, key: string = KEY) {
  return t.app.inject({ method, url, headers: { 'api-key': key }, ...(payload !== undefined ? { payload: payload as object } : {}) });
}

/** getChat as the seller sees it. */
export async function sellerChat(t: TestApp, chatId: number, businessId: number = BIZ, key: string = KEY) {
  return partner(t, 'GET', `/v2/businesses/${businessId}/chat?chatId=${chatId}`, undefined, key);
}

/** Notification events written to the outbox, oldest first. */
export async function outboxEvents(t: TestApp, businessId: number = BIZ) {
  const rows = await t.services.storage.db.selectFrom('events').select(['type', 'payload']).where('business_id', '=', businessId).orderBy('id').execute();
  return rows.map((r) => ({ type: r.type, ...JSON.parse(r.payload) }));
}
