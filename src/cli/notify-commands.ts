import type { Command } from 'commander';

/** Notification subscriptions and the delivery log, over the control API. */
export function registerNotifyCommands(program: Command): void {
  void program;
}
