import type { Config } from '../config.js';
import { errors } from '../domain/errors.js';

/** Shutdown dates of the deprecated chat fields (`x-deprecation-config` of spec commit 116389b). */
export const SHUTDOWN = {
  /** GetChatInfoDTO.orderId, GetChatsRequest.orderIds, CreateChatRequest.orderId */
  chatOrderId: '2026-10-19',
  /** ChatMessagesResultDTO.orderId (getChatHistory) */
  historyOrderId: '2026-10-12',
} as const;

/**
 * Whether a deprecated field still works under the configured compatibility date. Without one,
 * fields behave as the published docs show them (kept).
 */
export function deprecatedFieldLive(config: Config, shutdownDate: string): boolean {
  return config.compatDate === null || config.compatDate < shutdownDate;
}

/**
 * Refuses a deprecated request field once the compatibility date has reached its shutdown, so a
 * client still sending it learns now rather than on Market's switch-off day.
 */
export function requireLiveField(config: Config, field: string, shutdownDate: string, replacement: string): void {
  if (!deprecatedFieldLive(config, shutdownDate)) throw errors.fieldShutDown(field, shutdownDate, replacement);
}
