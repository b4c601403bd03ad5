import { partnerSecuritySuite } from '../../helpers/security.js';
import { BIZ } from '../../helpers/demo.js';

partnerSecuritySuite({
  operationId: 'getChats',
  hourlyLimit: 5000,
  resource: '/businesses/{businessId}/chats.json',
  write: false,
  request: () => ({
    method: 'POST',
    url: `/v2/businesses/${BIZ}/chats?limit=2`,
    headers: { 'content-type': 'application/json' },
    payload: { statuses: ['WAITING_FOR_PARTNER'] },
  }),
});
