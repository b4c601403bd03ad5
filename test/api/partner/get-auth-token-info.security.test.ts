import { partnerSecuritySuite } from '../../helpers/security.js';

partnerSecuritySuite({
  operationId: 'getAuthTokenInfo',
  hourlyLimit: 100,
  resource: '/auth/token.json',
  write: false,
  anyScope: true,
  pathBusiness: null,
  apiKeyOnly: 'The method is available only for Api-Key tokens',
  request: () => ({ method: 'POST', url: '/v2/auth/token' }),
});
