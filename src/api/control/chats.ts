import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  type ChatContextRef,
  closeDispute,
  finishChat,
  openContextChat,
  openDirectChat,
  openDispute,
  postMessage,
  setChatStatus,
  type NewFile,
} from '../../domain/chat-actions.js';
import { getChat } from '../../domain/chats.js';
import { listChats } from '../../domain/chat-list.js';
import { AppError, errors } from '../../domain/errors.js';
import { listMessages } from '../../domain/messages.js';
import { CHAT_STATUSES, CHAT_TYPES, CONTEXT_TYPES, CONTROL_SENDERS, type ControlSender, type Sender } from '../../domain/model.js';
import { findChat } from '../../domain/sandbox-chats.js';
import { getBusiness, getBuyer, getOrder, getReturn } from '../../domain/sandbox-entities.js';
import type { Services } from '../../services.js';
import { readFilePart, uploadRoutes } from '../files.js';
import { baseUrlOf, messageDto } from '../presenters.js';
import { Id, chatView, controlRoute, idParams } from './kit.js';

const senderOf = (s: ControlSender | undefined): Sender => (s === undefined ? 'CUSTOMER' : s === 'ARBITER' ? 'SUPPORT' : s);

const MessageText = Type.String({ minLength: 1, maxLength: 4096 });

/** Message text is `message` in every control body; `text` is its deprecated alias on `/chats/:id/messages`. */
function messageOf(body: { message?: string; text?: string }): string {
  if (body.message !== undefined && body.text !== undefined) {
    throw errors.invalid("Give the text once, as 'message' ('text' is its deprecated alias)");
  }
  const message = body.message ?? body.text;
  if (message === undefined) throw errors.invalid("'message' must not be null (rejected value: null)");
  return message;
}
const ChatParams = idParams('chatId');

/** A comma-separated filter of enum values; an unknown value is refused with the list. */
function enumList<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (raw === undefined) return undefined;
  const values = raw.split(',').map((v) => v.trim()).filter(Boolean);
  for (const v of values) {
    if (!allowed.includes(v as T)) throw errors.invalid(`Unknown ${name} '${v}': expected one of ${allowed.join(', ')}`);
  }
  return values as T[];
}

/**
 * The control API refuses a state conflict with 409, whichever rule found it: writing to a
 * finished chat is the partner API's 400, but here it is the same kind of conflict as closing a
 * dispute that is not open.
 */
async function conflictsAs409<T>(action: Promise<T>): Promise<T> {
  try {
    return await action;
  } catch (e) {
    if (e instanceof AppError && e.kind === 'CHAT_FINISHED') throw errors.conflict(`Chat '${e.params.chatId}' is finished`);
    throw e;
  }
}

/**
 * The buyer's, Market's and the arbiter's side of chats. Every action runs the domain action the
 * partner API runs, so statuses, `updatedAt` and notification events follow the same rules.
 */
export function registerChatRoutes(app: FastifyInstance, services: Services): void {
  const db = () => services.storage.db;
  const ctx = () => services.actions;
  const view = (chat: Parameters<typeof chatView>[0]) => chatView(chat, services.config);

  controlRoute(
    app,
    {
      method: 'GET',
      url: '/businesses/:businessId/chats',
      params: idParams('businessId'),
      querystring: Type.Object({
        status: Type.Optional(Type.String()),
        type: Type.Optional(Type.String()),
        contextType: Type.Optional(Type.String()),
        limit: Type.Optional(Type.Integer({ format: 'int32', minimum: 1, maximum: 1000 })),
      }),
    },
    async ({ params, query }) => {
      await getBusiness(db(), params.businessId);
      const filter = {
        statuses: enumList('status', query.status, CHAT_STATUSES),
        types: enumList('type', query.type, CHAT_TYPES),
        contextTypes: enumList('contextType', query.contextType, CONTEXT_TYPES),
      };
      const page = await listChats(db(), params.businessId, filter, { limit: query.limit ?? 50 });
      return { chats: page.chats.map(view) };
    },
  );

  controlRoute(app, { method: 'GET', url: '/chats/:chatId', params: ChatParams }, async ({ params }) => view(await findChat(db(), params.chatId)));

  controlRoute(
    app,
    {
      method: 'GET',
      url: '/chats/:chatId/messages',
      params: ChatParams,
      querystring: Type.Object({
        fromMessageId: Type.Optional(Id),
        limit: Type.Optional(Type.Integer({ format: 'int32', minimum: 1, maximum: 1000 })),
      }),
    },
    async ({ params, query, request }) => {
      const chat = await findChat(db(), params.chatId);
      const page = await listMessages(db(), chat.id, query.fromMessageId ?? 1, query.limit ?? 100);
      const base = baseUrlOf(services.config, request);
      return { chatId: chat.id, messages: page.messages.map((m) => messageDto(m, base)), hasMore: page.hasMore };
    },
  );

  controlRoute(
    app,
    {
      method: 'POST',
      url: '/chats/direct',
      created: true,
      body: Type.Object({
        businessId: Id,
        buyerId: Id,
        subject: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
        message: Type.Optional(MessageText),
      }),
    },
    async ({ body }) => {
      await getBusiness(db(), body.businessId);
      await getBuyer(db(), body.buyerId);
      const { chatId, messageId } = await openDirectChat(ctx(), body.businessId, body.buyerId, body.subject ?? null, body.message ?? null);
      return { chat: view(await getChat(db(), body.businessId, chatId)), messageId };
    },
  );

  /** The buyer opens the chat of an order or a return (or finds it open) and may write at once. */
  const contextChat = async (businessId: number, ref: ChatContextRef, message: string | undefined) => {
    const { chatId, created } = await openContextChat(ctx(), businessId, ref);
    const messageId = message === undefined ? null : (await conflictsAs409(postMessage(ctx(), businessId, chatId, 'CUSTOMER', message))).messageId;
    return { created, body: { chat: view(await getChat(db(), businessId, chatId)), created, messageId } };
  };
  const ContextChatBody = Type.Object({ message: Type.Optional(MessageText) });
  controlRoute(
    app,
    { method: 'POST', url: '/orders/:orderId/chat', params: idParams('orderId'), body: ContextChatBody },
    async ({ params, body, reply }) => {
      const order = await getOrder(db(), params.orderId);
      const out = await contextChat(order.businessId, { type: 'ORDER', id: order.id }, body.message);
      reply.code(out.created ? 201 : 200);
      return out.body;
    },
  );
  controlRoute(
    app,
    { method: 'POST', url: '/returns/:returnId/chat', params: idParams('returnId'), body: ContextChatBody },
    async ({ params, body, reply }) => {
      const ret = await getReturn(db(), params.returnId);
      const out = await contextChat(ret.businessId, { type: 'RETURN', id: ret.id }, body.message);
      reply.code(out.created ? 201 : 200);
      return out.body;
    },
  );

  const write = async (chatId: number, sender: Sender, text: string | null, files: NewFile[]) => {
    const chat = await findChat(db(), chatId);
    const { messageId } = await conflictsAs409(postMessage(ctx(), chat.businessId, chat.id, sender, text, files));
    return { messageId, chat: view(await getChat(db(), chat.businessId, chat.id)) };
  };
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/chats/:chatId/messages',
      created: true,
      params: ChatParams,
      body: Type.Object({
        message: Type.Optional(MessageText),
        /** Deprecated alias of `message`, still read for older scripts. */
        text: Type.Optional(MessageText),
        sender: Type.Optional(Type.Enum([...CONTROL_SENDERS])),
      }),
    },
    async ({ params, body }) => write(params.chatId, senderOf(body.sender), messageOf(body), []),
  );
  // An upload route: in a context of its own with the multipart plugin (`uploadRoutes`).
  uploadRoutes(app, (scope) => controlRoute(
    scope,
    {
      method: 'POST',
      url: '/chats/:chatId/files',
      created: true,
      params: ChatParams,
      querystring: Type.Object({ sender: Type.Optional(Type.Enum([...CONTROL_SENDERS])) }),
      consumes: ['multipart/form-data'],
    },
    async ({ params, query, request }) => {
      // Found first: an unknown chat is 404 even before the upload is read.
      await findChat(db(), params.chatId);
      const file = await readFilePart(request);
      return write(params.chatId, senderOf(query.sender), null, [file]);
    },
  ));

  const act = (url: string, action: (businessId: number, chatId: number) => Promise<unknown>) =>
    controlRoute(app, { method: 'POST', url, params: ChatParams }, async ({ params }) => {
      const chat = await findChat(db(), params.chatId);
      await action(chat.businessId, chat.id);
      return view(await getChat(db(), chat.businessId, chat.id));
    });
  act('/chats/:chatId/dispute', (b, c) => openDispute(ctx(), b, c));
  act('/chats/:chatId/dispute/close', (b, c) => closeDispute(ctx(), b, c));
  act('/chats/:chatId/finish', (b, c) => finishChat(ctx(), b, c));

  controlRoute(
    app,
    { method: 'POST', url: '/chats/:chatId/status', params: ChatParams, body: Type.Object({ status: Type.Enum([...CHAT_STATUSES]) }) },
    async ({ params, body }) => {
      const chat = await findChat(db(), params.chatId);
      await setChatStatus(ctx(), chat.businessId, chat.id, body.status);
      return view(await getChat(db(), chat.businessId, chat.id));
    },
  );
}
