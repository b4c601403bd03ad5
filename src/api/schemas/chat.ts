import { Type, type TSchema } from 'typebox';
import { CHAT_STATUSES, CHAT_TYPES, CONTEXT_TYPES, SENDERS } from '../../domain/model.js';
import { SHUTDOWN } from '../compat.js';
import { ForwardPager } from './common.js';

/** Chat schemas as in Market's components/schemas (with the 116389b overlay). */
export const ChatType = Type.Enum([...CHAT_TYPES], { description: 'Тип чата.' });
export const ChatStatusType = Type.Enum([...CHAT_STATUSES], { description: 'Статус чата.' });
export const ChatContextType = Type.Enum([...CONTEXT_TYPES], { description: 'Тип контекста чата.' });
export const ChatMessageSenderType = Type.Enum([...SENDERS], { description: 'Кто отправил сообщение.' });

export const ChatCustomerDTO = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1 })),
    publicId: Type.Optional(Type.String({ minLength: 1 })),
  },
  { description: 'Информация о покупателе в чате.' },
);

export const ChatFullContextDTO = Type.Object(
  {
    type: ChatContextType,
    customer: Type.Optional(ChatCustomerDTO),
    campaignId: Type.Optional(Type.Integer({ format: 'int64', minimum: 1 })),
    orderId: Type.Optional(Type.Integer({ format: 'int64', minimum: 1 })),
    returnId: Type.Optional(Type.Integer({ format: 'int64', minimum: 1 })),
  },
  { description: 'Информация о заказе или возврате, по которому начат чат.' },
);

export const GetChatInfoDTO = Type.Object(
  {
    chatId: Type.Integer({ format: 'int64', minimum: 1 }),
    orderId: Type.Optional(
      Type.Integer({
        format: 'int64',
        minimum: 1,
        deprecated: true,
        'x-deprecation-config': { 'shutdown-date': '2026-10-19', 'replacement-field': 'context' },
      }),
    ),
    context: ChatFullContextDTO,
    type: ChatType,
    status: ChatStatusType,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { description: 'Информация о чате.' },
);

export const ChatMessagePayloadDTO = Type.Object(
  {
    name: Type.String({ description: 'Название файла.' }),
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'Ссылка для скачивания файла.' }),
    size: Type.Integer({ format: 'int32', description: 'Размер файла в байтах.' }),
  },
  { description: 'Информация о приложенных к сообщению файлах.' },
);

export const ChatMessageDTO = Type.Object(
  {
    messageId: Type.Integer({ format: 'int64', minimum: 1, description: 'Идентификатор сообщения.' }),
    createdAt: Type.String({ format: 'date-time', description: 'Дата и время создания сообщения.' }),
    sender: ChatMessageSenderType,
    message: Type.Optional(Type.String({ description: 'Текст сообщения.' })),
    payload: Type.Optional(
      Type.Array(ChatMessagePayloadDTO, {
        nullable: true,
        minItems: 1,
        description: 'Информация о приложенных к сообщению файлах.',
      }),
    ),
  },
  { description: 'Информация о сообщении.' },
);

export const ChatContextIdentifiableType = Type.Enum(['ORDER', 'RETURN'], {
  description: 'Тип чата: `ORDER` — по заказам, `RETURN` — по возвратам (FBY, FBS и Экспресс).',
});

export const ChatContextDTO = Type.Object(
  {
    type: ChatContextIdentifiableType,
    id: Type.Integer({ format: 'int64', minimum: 1, description: 'Идентификатор заказа или возврата.' }),
  },
  { description: 'Информация о заказе или возврате, по которому начат чат.' },
);

/** Market's filter arrays: optional, nullable (null means no filter), non-empty, no repeats. */
const filterArray = <T extends TSchema>(items: T, description: string, extra: Record<string, unknown> = {}) =>
  Type.Optional(Type.Array(items, { nullable: true, uniqueItems: true, minItems: 1, description, ...extra }));

export const GetChatsRequest = Type.Object(
  {
    orderIds: filterArray(Type.Integer({ format: 'int64' }), 'Фильтр по идентификаторам заказов на Маркете.', {
      deprecated: true,
      'x-deprecation-config': { 'shutdown-date': SHUTDOWN.chatOrderId, 'replacement-field': 'contexts' },
    }),
    contexts: filterArray(ChatContextDTO, 'Фильтр по контексту чата.'),
    contextTypes: filterArray(ChatContextType, 'Фильтр по типу контекста чата.'),
    types: filterArray(ChatType, 'Фильтр по типам чатов.'),
    statuses: filterArray(ChatStatusType, 'Фильтр по статусам чатов.'),
  },
  { description: 'Фильтры по чатам, которые нужно вернуть.' },
);

export const GetChatsInfoDTO = Type.Object(
  {
    chats: Type.Array(GetChatInfoDTO, { description: 'Информация о чатах.' }),
    paging: Type.Optional(ForwardPager),
  },
  { description: 'Список чатов.' },
);

export const CreateChatRequest = Type.Object(
  {
    orderId: Type.Optional(
      Type.Integer({
        format: 'int64',
        description: 'Идентификатор заказа на Маркете.',
        deprecated: true,
        'x-deprecation-config': { 'shutdown-date': SHUTDOWN.chatOrderId, 'replacement-field': 'context' },
      }),
    ),
    context: Type.Optional(ChatContextDTO),
  },
  { description: 'Заказ, для которого нужно создать чат.' },
);

export const CreateChatResultDTO = Type.Object(
  { chatId: Type.Integer({ format: 'int64', minimum: 1, description: 'Идентификатор чата.' }) },
  { description: 'Информация о созданном чате.' },
);

export const GetChatHistoryRequest = Type.Object(
  {
    messageIdFrom: Type.Optional(
      Type.Integer({
        format: 'int64',
        minimum: 1,
        description: 'Идентификатор сообщения, начиная с которого нужно получить все последующие сообщения.',
      }),
    ),
  },
  { description: 'Историю какого чата нужно получить — и начиная с какого сообщения.' },
);

export const ChatMessagesResultDTO = Type.Object(
  {
    orderId: Type.Optional(
      Type.Integer({
        format: 'int64',
        description: 'Идентификатор заказа.',
        deprecated: true,
        'x-deprecation-config': { 'shutdown-date': SHUTDOWN.historyOrderId, 'replacement-field': 'context' },
      }),
    ),
    context: ChatFullContextDTO,
    messages: Type.Array(ChatMessageDTO, { description: 'Информация о сообщениях.' }),
    paging: Type.Optional(ForwardPager),
  },
  { description: 'Информация о сообщениях.' },
);
