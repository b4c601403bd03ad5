import type { TestApp } from '../helpers/app.js';
import { KEY } from '../helpers/demo.js';

type Kind = 'ORDER' | 'RETURN' | 'DIRECT';

/** A partner API call: over `app.inject`, or over HTTP to a listening server. */
export type Call = (method: 'GET' | 'POST', url: string, body?: unknown) => Promise<{ status: number; body: any }>;

export const injectCall =
  (t: TestApp, key: string = KEY): Call =>
  async (method, url, body) => {
    const res = await t.app.inject({ method, url, headers: { 'api-key': key }, ...(body !== undefined ? { payload: body as object } : {}) });
    return { status: res.statusCode, body: res.json() };
  };

export const httpCall =
  (base: string, key: string = KEY): Call =>
  async (method, url, body) => {
    const res = await fetch(base + url, {
      method,
      headers: { 'Api-Key': key, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

/**
 * A seller's chat integration as the README describes one: it polls getChats for chats waiting
 * for it and answers each with sendMessageToChat. `ignore` leaves chats of those kinds alone.
 */
export class ReferenceIntegration {
  answered = 0;
  readonly errors: number[] = [];

  constructor(
    private readonly call: Call,
    private readonly businessId: number,
    private readonly ignore: Kind[] = [],
  ) {}

  async poll(): Promise<void> {
    let pageToken: string | undefined;
    const waiting: { chatId: number; kind: Kind }[] = [];
    do {
      const q = `limit=20${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
      const res = await this.call('POST', `/v2/businesses/${this.businessId}/chats?${q}`, { statuses: ['NEW', 'WAITING_FOR_PARTNER'] });
      if (res.status !== 200) {
        this.errors.push(res.status);
        return;
      }
      for (const c of res.body.result.chats) waiting.push({ chatId: c.chatId, kind: c.context.type });
      pageToken = res.body.result.paging.nextPageToken;
    } while (pageToken);
    for (const c of waiting) {
      if (this.ignore.includes(c.kind)) continue;
      const res = await this.call('POST', `/v2/businesses/${this.businessId}/chats/message?chatId=${c.chatId}`, { message: 'Здравствуйте! Уже разбираемся.' });
      if (res.status === 200) this.answered++;
      else this.errors.push(res.status);
    }
  }
}
