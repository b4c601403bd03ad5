/** Market's enums and the domain's view of a chat and a message. */
/**
 * An int64 id as a request named it: a number, or, beyond 2^53, its exact digits. No stored row has
 * such an id (ids are generated from 1), so every lookup answers "not found", and the message shows
 * the digits the caller sent, as Market's does.
 */
export type RequestedId = number | `${bigint}`;

export const CHAT_TYPES = ['CHAT', 'ARBITRAGE'] as const;
export const CHAT_STATUSES = [
  'NEW',
  'WAITING_FOR_CUSTOMER',
  'WAITING_FOR_PARTNER',
  'WAITING_FOR_ARBITER',
  'WAITING_FOR_MARKET',
  'FINISHED',
] as const;
export const CONTEXT_TYPES = ['ORDER', 'RETURN', 'DIRECT'] as const;
export const SENDERS = ['PARTNER', 'CUSTOMER', 'MARKET', 'SUPPORT'] as const;
export const PLACEMENT_MODELS = ['FBS', 'FBY', 'DBS', 'EXPRESS'] as const;

export type ChatType = (typeof CHAT_TYPES)[number];
export type ChatStatus = (typeof CHAT_STATUSES)[number];
export type ContextType = (typeof CONTEXT_TYPES)[number];
export type Sender = (typeof SENDERS)[number];

/** Who besides the seller writes into chats through the control API; the arbiter writes as Market's support does. */
export const CONTROL_SENDERS = ['CUSTOMER', 'MARKET', 'SUPPORT', 'ARBITER'] as const;
export type ControlSender = (typeof CONTROL_SENDERS)[number];
export type PlacementModel = (typeof PLACEMENT_MODELS)[number];

export interface Customer {
  name: string | null;
  publicId: string | null;
}

export interface Chat {
  id: number;
  businessId: number;
  contextType: ContextType;
  campaignId: number | null;
  orderId: number | null;
  returnId: number | null;
  customer: Customer | null;
  subject: string | null;
  type: ChatType;
  status: ChatStatus;
  createdAt: number;
  updatedAt: number;
}

export interface FileRef {
  id: number;
  name: string;
  size: number;
  token: string;
}

export interface Message {
  id: number;
  chatId: number;
  sender: Sender;
  text: string | null;
  files: FileRef[];
  createdAt: number;
}
