/**
 * What the control API answers, where `ymchat/testing` hands it on typed. The routes' views are
 * declared with these types, so an answer and its type cannot drift apart; this module imports
 * nothing, so the package's declarations stay free of the server's dependencies.
 */

export interface ClockView {
  mode: 'real' | 'virtual';
  frozen: boolean;
  now: string;
  nowMs: number;
}
export type FaultKind = '420' | '500' | '503' | 'DELAY';
export interface Fault {
  id: number;
  businessId: number;
  method: string;
  kind: FaultKind;
  count: number | null;
  probability: number | null;
  delayMs: number | null;
}
export interface Quotas {
  businessId: number;
  windowStart: string;
  resetsAt: string;
  limitsEnabled: boolean;
  quotas: { method: string; limit: number; used: number; remaining: number }[];
}
export interface ApiKeyInfo {
  id: number;
  businessId: number;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}
export interface Subscription {
  id: number;
  businessId: number;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface DeliveryAttempt {
  id: number;
  deliveryId: number;
  subscriptionId: number;
  eventId: number;
  notificationType: string;
  startedAt: string;
  latencyMs: number;
  httpStatus: number | null;
  errorType: string | null;
  errorSubtype: string | null;
  message: string | null;
  outcome: string | null;
  nextAttemptAt: string | null;
  /** `virtual` or `real`: which clock `startedAt` came from; null for attempts logged before it was kept. */
  clock: string | null;
}
export interface FlushResult {
  attempts: number;
  delivered: number;
  rejected: number;
  retrying: number;
  gaveUp: number;
}
