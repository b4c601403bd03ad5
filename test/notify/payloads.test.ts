import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDispute, openContextChat, openDirectChat, openDispute, postMessage } from '../../src/domain/chat-actions.js';
import { DEMO } from '../helpers/demo.js';
import { NOTIFICATION_DIR, explain, noteSpecSkip, notificationValidator, specAvailable } from '../helpers/spec.js';
import { startReceiver, type Receiver } from './receiver.js';
import { notifyTestApp, type NotifyTestApp } from './setup.js';

const BIZ = DEMO.businessId;
noteSpecSkip();

/** Checks a body against the official schema its notificationType maps to (strict: no extra fields). */
function expectOfficial(body: any): void {
  if (!specAvailable) return;
  const request = YAML.parse(fs.readFileSync(path.join(NOTIFICATION_DIR, 'components/schemas/SendNotificationRequest.yaml'), 'utf8'));
  const file = request.discriminator.mapping[body.notificationType] as string | undefined;
  expect(file, `no official schema for ${body.notificationType}`).toBeDefined();
  const v = notificationValidator(path.basename(file!));
  expect(v(body), `${body.notificationType}: ${explain(v)}`).toBe(true);
}

describe('notification payloads: exactly what Market sends', () => {
  let t: NotifyTestApp;
  let rx: Receiver;
  beforeEach(async () => {
    t = await notifyTestApp();
    rx = await startReceiver();
    expect((await t.subscribe(BIZ, `${rx.url}/hook`)).body.enabled).toBe(true);
  });
  afterEach(async () => {
    await rx.close();
    await t.close();
  });

  it('sends each chat event type with the official field names and types', async () => {
    const at = new Date(t.clock.now()).toISOString();
    const { chatId: created } = await openContextChat(t.ctx, BIZ, { type: 'ORDER', id: DEMO.orders.noChat });
    const { messageId } = await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Where is my order?');
    await openDispute(t.ctx, BIZ, DEMO.chats.order);
    await closeDispute(t.ctx, BIZ, DEMO.chats.order);
    const flushed = await t.flush();
    expect(flushed).toEqual({ attempts: 4, delivered: 4, rejected: 0, retrying: 0, gaveUp: 0 });

    const got = rx.notifications('/hook');
    expect(got).toEqual([
      { notificationType: 'CHAT_CREATED', chatId: created, businessId: BIZ, createdAt: at },
      { notificationType: 'CHAT_MESSAGE_SENT', chatId: DEMO.chats.order, messageId: String(messageId), businessId: BIZ, sentAt: at },
      { notificationType: 'CHAT_ARBITRAGE_STARTED', chatId: DEMO.chats.order, businessId: BIZ, startedAt: at },
      { notificationType: 'CHAT_ARBITRAGE_FINISHED', chatId: DEMO.chats.order, businessId: BIZ, finishedAt: at },
    ]);
    for (const body of got) expectOfficial(body);
    if (specAvailable) {
      // The check has teeth: Market's messageId is a string, a number would be refused.
      const v = notificationValidator('ChatMessageSentNotificationDTO.yaml');
      expect(v({ ...got[1], messageId: messageId })).toBe(false);
    }
    for (const r of rx.received) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse(r.raw)).toEqual(r.body);
    }
  });

  it('a DIRECT chat announces its creation and messages but never a dispute', async () => {
    const { chatId, messageId } = await openDirectChat(t.ctx, BIZ, 6000001, 'Is it waterproof?', 'Hello!');
    await expect(openDispute(t.ctx, BIZ, chatId)).rejects.toThrow(/DIRECT/);
    await t.flush();
    expect(rx.notifications().map((b) => b.notificationType)).toEqual(['CHAT_CREATED', 'CHAT_MESSAGE_SENT']);
    expect(rx.notifications()[1].messageId).toBe(String(messageId));
    for (const body of rx.notifications()) expectOfficial(body);
  });

  it('sends only the event types a subscription asked for, only to its own business', async () => {
    const other = await startReceiver();
    try {
      await t.subscribe(DEMO.otherBusinessId, other.url, ['CHAT_MESSAGE_SENT']);
      await postMessage(t.ctx, DEMO.otherBusinessId, 5000007, 'CUSTOMER', 'Hi');
      await openContextChat(t.ctx, DEMO.otherBusinessId, { type: 'ORDER', id: 3000006 }); // exists: no event
      await postMessage(t.ctx, BIZ, DEMO.chats.order, 'CUSTOMER', 'Hi');
      await t.flush();
      expect(other.notifications().map((b) => [b.notificationType, b.businessId])).toEqual([['CHAT_MESSAGE_SENT', DEMO.otherBusinessId]]);
      expect(rx.notifications().map((b) => [b.notificationType, b.businessId])).toEqual([['CHAT_MESSAGE_SENT', BIZ]]);
    } finally {
      await other.close();
    }
  });

  it("leaves the seller's own messages out by default", async () => {
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'PARTNER', 'Shipped today');
    await postMessage(t.ctx, BIZ, DEMO.chats.order, 'SUPPORT', 'Support is here');
    await t.flush();
    expect(rx.notifications().map((b) => b.notificationType)).toEqual(['CHAT_MESSAGE_SENT']);
  });
});

describe("notification payloads: the seller's own messages when the setting is on", () => {
  it('announces PARTNER messages with notifyPartnerMessages', async () => {
    const t = await notifyTestApp({ config: { notifyPartnerMessages: true } });
    const rx = await startReceiver();
    try {
      await t.subscribe(BIZ, rx.url, ['CHAT_MESSAGE_SENT']);
      const { messageId } = await postMessage(t.ctx, BIZ, DEMO.chats.order, 'PARTNER', 'Shipped today');
      await t.flush();
      expect(rx.notifications()).toEqual([
        { notificationType: 'CHAT_MESSAGE_SENT', chatId: DEMO.chats.order, messageId: String(messageId), businessId: BIZ, sentAt: new Date(t.clock.now()).toISOString() },
      ]);
      const list = await t.app.inject({ method: 'GET', url: `/_sandbox/businesses/${BIZ}/subscriptions`, headers: { 'x-admin-token': t.config.adminToken! } });
      expect(list.json().notifyPartnerMessages).toBe(true);
    } finally {
      await rx.close();
      await t.close();
    }
  });
});
