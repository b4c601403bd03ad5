import { formatMsk } from '../clock.js';
import type { Config } from '../config.js';
import type { Chat, ContextType, Message } from '../domain/model.js';
import { SHUTDOWN, deprecatedFieldLive } from './compat.js';

export interface ChatContextDTO {
  type: ContextType;
  customer?: { name?: string; publicId?: string };
  campaignId?: number;
  orderId?: number;
  returnId?: number;
}

/** ChatFullContextDTO: each field only where it applies. */
export function contextDto(chat: Chat): ChatContextDTO {
  const ctx: ChatContextDTO = { type: chat.contextType };
  if (chat.customer) {
    ctx.customer = {};
    if (chat.customer.name) ctx.customer.name = chat.customer.name;
    if (chat.customer.publicId) ctx.customer.publicId = chat.customer.publicId;
  }
  if (chat.contextType !== 'DIRECT') {
    if (chat.campaignId !== null) ctx.campaignId = chat.campaignId;
    if (chat.orderId !== null) ctx.orderId = chat.orderId;
    if (chat.contextType === 'RETURN' && chat.returnId !== null) ctx.returnId = chat.returnId;
  }
  return ctx;
}

/** GetChatInfoDTO. */
export function chatDto(chat: Chat, config: Config) {
  return {
    chatId: chat.id,
    ...(chat.orderId !== null && chat.contextType !== 'DIRECT' && deprecatedFieldLive(config, SHUTDOWN.chatOrderId)
      ? { orderId: chat.orderId }
      : {}),
    context: contextDto(chat),
    type: chat.type,
    status: chat.status,
    createdAt: formatMsk(chat.createdAt),
    updatedAt: formatMsk(chat.updatedAt),
  };
}

/** Where a stored file is served back; the token makes the URL unguessable (as Market's signed links). */
export function fileUrl(baseUrl: string, file: { id: number; token: string; name: string }): string {
  return `${baseUrl}/files/${file.id}/${file.token}/${encodeURIComponent(file.name)}`;
}

/** ChatMessageDTO: `message` where there is text, `payload` where there are files. */
export function messageDto(message: Message, baseUrl: string) {
  return {
    messageId: message.id,
    createdAt: formatMsk(message.createdAt),
    sender: message.sender,
    ...(message.text !== null ? { message: message.text } : {}),
    ...(message.files.length > 0
      ? { payload: message.files.map((f) => ({ name: f.name, url: fileUrl(baseUrl, f), size: f.size })) }
      : {}),
  };
}

/** The base of links ymchat hands out: the configured public URL, else the request's own host. */
export function baseUrlOf(config: Config, request: { protocol: string; host: string }): string {
  return (config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}
