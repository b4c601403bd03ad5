import { ADMIN_TOKEN, buildTestApp, type TestApp, type TestAppOptions } from '../helpers/app.js';
import type { ActionContext } from '../../src/domain/chat-actions.js';

export const admin = { 'x-admin-token': ADMIN_TOKEN };

export interface NotifyTestApp extends TestApp {
  ctx: ActionContext;
  /** POST …/subscriptions; returns status and body. */
  subscribe(businessId: number, url: string, eventTypes?: string[]): Promise<{ status: number; body: any }>;
  flush(): Promise<any>;
  log(businessId: number, query?: string): Promise<any[]>;
  outbox(businessId: number, subscriptionId: number): Promise<any>;
}

/** The built app (no background worker: tests deliver with flush on a frozen clock). */
export async function notifyTestApp(opts: TestAppOptions = {}): Promise<NotifyTestApp> {
  const t = await buildTestApp(opts);
  const inject = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await t.app.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
  return {
    ...t,
    ctx: t.services.actions,
    subscribe: (businessId, url, eventTypes) =>
      inject('POST', `/_sandbox/businesses/${businessId}/subscriptions`, eventTypes ? { url, eventTypes } : { url }),
    async flush() {
      const r = await inject('POST', '/_sandbox/notifications/flush');
      if (r.status !== 200) throw new Error(`flush answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async log(businessId, query = '') {
      const r = await inject('GET', `/_sandbox/businesses/${businessId}/deliveries${query ? `?${query}` : ''}`);
      if (r.status !== 200) throw new Error(`deliveries answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body.attempts;
    },
    async outbox(businessId, subscriptionId) {
      const r = await inject('GET', `/_sandbox/businesses/${businessId}/subscriptions/${subscriptionId}/outbox`);
      if (r.status !== 200) throw new Error(`outbox answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
}
