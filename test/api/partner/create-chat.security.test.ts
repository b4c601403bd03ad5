import { partnerSecuritySuite } from '../../helpers/security.js';
import { BIZ, DEMO } from '../../helpers/demo.js';

partnerSecuritySuite({
  operationId: 'createChat',
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chats/new.json',
  write: true,
  // Idempotent: every successful call answers the same chat.
  request: () => ({
    method: 'POST',
    url: `/v2/businesses/${BIZ}/chats/new`,
    headers: { 'content-type': 'application/json' },
    payload: { context: { type: 'ORDER', id: DEMO.orders.noChat } },
  }),
});
