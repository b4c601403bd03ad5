import type { PartnerRouter } from './route.js';
import { registerGetChat } from './get-chat.js';

/** Every partner method ymchat serves. */
export function registerPartnerOperations(router: PartnerRouter): void {
  registerGetChat(router);
}
