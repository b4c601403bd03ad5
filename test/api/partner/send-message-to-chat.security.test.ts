import { partnerSecuritySuite } from '../../helpers/security.js';
import { BIZ, DEMO } from '../../helpers/demo.js';

partnerSecuritySuite({
  operationId: 'sendMessageToChat',
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chats/message.json',
  write: true,
  request: () => ({
    method: 'POST',
    url: `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}`,
    payload: { message: 'Здравствуйте!' },
  }),
});
