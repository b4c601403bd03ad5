import { partnerSecuritySuite } from '../../helpers/security.js';
import { BIZ, DEMO } from '../../helpers/demo.js';

partnerSecuritySuite({
  operationId: 'getChatMessage',
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chats/message.json',
  write: false,
  // The demo chat's first message is the lowest id the demo seeds.
  request: () => ({ method: 'GET', url: `/v2/businesses/${BIZ}/chats/message?chatId=${DEMO.chats.order}&messageId=1` }),
});
