import { partnerSecuritySuite } from '../../helpers/security.js';
import { BIZ, DEMO } from '../../helpers/demo.js';

partnerSecuritySuite({
  operationId: 'getChatHistory',
  hourlyLimit: 10000,
  resource: '/businesses/{businessId}/chats/history.json',
  write: false,
  request: () => ({
    method: 'POST',
    url: `/v2/businesses/${BIZ}/chats/history?chatId=${DEMO.chats.order}&limit=2`,
    headers: { 'content-type': 'application/json' },
    payload: {},
  }),
});
