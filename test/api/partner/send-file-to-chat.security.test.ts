import { partnerSecuritySuite } from '../../helpers/security.js';
import { BIZ, DEMO } from '../../helpers/demo.js';
import { multipartRequest } from '../../helpers/multipart.js';

partnerSecuritySuite({
  operationId: 'sendFileToChat',
  hourlyLimit: 1000,
  resource: '/businesses/{businessId}/chats/file/send.json',
  write: true,
  request: () =>
    multipartRequest(`/v2/businesses/${BIZ}/chats/file/send?chatId=${DEMO.chats.order}`, [
      { name: 'file', filename: 'photo.png', contentType: 'image/png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
    ]),
});
