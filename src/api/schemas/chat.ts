import { Type } from 'typebox';
import { CHAT_STATUSES, CHAT_TYPES, CONTEXT_TYPES, SENDERS } from '../../domain/model.js';

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
