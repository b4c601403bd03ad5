import type { Command } from 'commander';

/** Commands over the control API, for a person at a terminal. */
export function registerClientCommands(program: Command): void {
  void program;
}
