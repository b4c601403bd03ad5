import type { DeliveryAttempt } from '../api/control/answers.js';
import type { Stamped } from '../api/control/kit.js';
import type { outboxView } from '../api/control/notifications.js';
import type { requestView } from '../api/control/requests.js';
import type { Business, Buyer, Campaign, Order, Return } from '../domain/sandbox-entities.js';

/**
 * Control API answers the CLI reads beyond those `ymchat/testing` types, taken from the routes'
 * views (type-only: nothing of the server loads with a client command).
 */

export interface DeliveryPage {
  attempts: DeliveryAttempt[];
  paging: { nextPageToken?: string };
}
/** What waits in a subscription's outbox, and the notification at its head. */
export type Outbox = { subscriptionId: number; enabled: boolean } & ReturnType<typeof outboxView>;
/** A partner API call in the request inspector's journal. */
export type RequestEntry = ReturnType<typeof requestView>;
export type SandboxBusiness = Stamped<Business>;
export type SandboxCampaign = Stamped<Campaign>;
export type SandboxBuyer = Stamped<Buyer>;
export type SandboxOrder = Stamped<Order>;
export type SandboxReturn = Stamped<Return>;
