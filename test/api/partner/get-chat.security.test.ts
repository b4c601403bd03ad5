import { partnerSecuritySuite } from '../../helpers/security.js';
import { BIZ, DEMO } from '../../helpers/demo.js';

partnerSecuritySuite({
  operationId: 'getChat',
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chat.json',
  write: false,
  request: () => ({ method: 'GET', url: `/v2/businesses/${BIZ}/chat?chatId=${DEMO.chats.order}` }),
});
