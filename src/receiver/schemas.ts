import { Type, type Static, type TProperties } from 'typebox';

/**
 * The chat notifications and PING of Market's notification API (SendNotificationRequest and its
 * Chat*NotificationDTO / PingNotificationDTO), as TypeBox schemas: what the receiver validates
 * against and where its handler types come from. Extra fields are allowed, as Market may add some.
 */
const DateTime = (description: string) => Type.String({ format: 'date-time', description });
const ChatId = Type.Integer({ format: 'int64', description: 'Идентификатор чата.' });
const BusinessId = Type.Integer({ format: 'int64', minimum: 1, description: 'Идентификатор кабинета.' });

export const PingNotification = Type.Object({
  notificationType: Type.Literal('PING'),
  time: Type.Optional(DateTime('Дата и время отправки проверочного уведомления.')),
});

/** Every chat notification names its type, chat and business, then what happened when. */
const chatNotification = <T extends string, P extends TProperties>(type: T, fields: P) =>
  Type.Object({ notificationType: Type.Literal(type), chatId: ChatId, businessId: BusinessId, ...fields });

export const ChatCreatedNotification = chatNotification('CHAT_CREATED', {
  createdAt: DateTime('Дата и время создания чата.'),
});

export const ChatMessageSentNotification = chatNotification('CHAT_MESSAGE_SENT', {
  messageId: Type.String({ description: 'Идентификатор сообщения.' }),
  sentAt: DateTime('Дата и время отправки сообщения.'),
});

export const ChatArbitrageStartedNotification = chatNotification('CHAT_ARBITRAGE_STARTED', {
  startedAt: DateTime('Дата и время начала спора.'),
});

export const ChatArbitrageFinishedNotification = chatNotification('CHAT_ARBITRAGE_FINISHED', {
  finishedAt: DateTime('Дата и время завершения спора.'),
});

/** The schema of each notification type the receiver reads field by field. */
export const NOTIFICATION_SCHEMAS = {
  PING: PingNotification,
  CHAT_CREATED: ChatCreatedNotification,
  CHAT_MESSAGE_SENT: ChatMessageSentNotification,
  CHAT_ARBITRAGE_STARTED: ChatArbitrageStartedNotification,
  CHAT_ARBITRAGE_FINISHED: ChatArbitrageFinishedNotification,
} as const;

/** Market's other notification types (orders, returns, reviews, questions): accepted, not read. */
export const OTHER_NOTIFICATION_TYPES = [
  'ORDER_CREATED',
  'ORDER_CANCELLED',
  'ORDER_CANCELLATION_REQUEST',
  'ORDER_STATUS_UPDATED',
  'ORDER_RETURN_CREATED',
  'ORDER_RETURN_STATUS_UPDATED',
  'ORDER_UPDATED',
  'GOODS_FEEDBACK_CREATED',
  'GOODS_FEEDBACK_COMMENT_CREATED',
  'QUESTION_CREATED',
  'QUESTION_ANSWER_CREATED',
  'QUESTION_COMMENT_CREATED',
] as const;

export type PingNotification = Static<typeof PingNotification>;
export type ChatCreatedNotification = Static<typeof ChatCreatedNotification>;
export type ChatMessageSentNotification = Static<typeof ChatMessageSentNotification>;
export type ChatArbitrageStartedNotification = Static<typeof ChatArbitrageStartedNotification>;
export type ChatArbitrageFinishedNotification = Static<typeof ChatArbitrageFinishedNotification>;
export type ChatNotification =
  | ChatCreatedNotification
  | ChatMessageSentNotification
  | ChatArbitrageStartedNotification
  | ChatArbitrageFinishedNotification;
/** A notification of a type the receiver does not read (it is passed on as it came). */
export interface OtherNotification {
  notificationType: (typeof OTHER_NOTIFICATION_TYPES)[number];
  [field: string]: unknown;
}
export type Notification = PingNotification | ChatNotification | OtherNotification;

/** The partner's answer to an accepted notification (SendNotificationResponse). */
export interface NotificationAnswer {
  version: string;
  name: string;
  time: string;
}

/** The partner's refusal (SendNotificationErrorResponse). */
export interface NotificationRefusal {
  error: { type: 'UNKNOWN' | 'WRONG_EVENT_FORMAT' | 'DUPLICATED_EVENT'; message: string };
}
