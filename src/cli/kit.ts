import { type Command, InvalidArgumentError, Option } from 'commander';
import { ControlClient, DEFAULT_URL } from './client.js';

/** What a client command answers: text for a person, data for `--json`. */
export interface Result {
  text: string;
  data: unknown;
  /** Non-zero exit although the call worked (e.g. a subscription that stayed disabled). */
  failed?: boolean;
}

/** An option or argument parser for ids: positive whole numbers. */
export function positiveId(what: string) {
  return (value: string): number => {
    if (!/^\d{1,16}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${what} must be a positive whole number`);
    return Number(value);
  };
}

/**
 * Adds the connection options (`--url`, `--admin-token`, `--data-dir`) and `--json` to a command,
 * and prints what `fn` returns when it runs.
 */
export function clientAction(cmd: Command, fn: (client: ControlClient, args: any[], opts: Record<string, any>) => Promise<Result>): Command {
  return connectionOptions(cmd)
    .option('--json', 'print the JSON answer, for scripts')
    .action(async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const opts = command.opts();
      const result = await fn(ControlClient.from(opts), command.processedArgs, opts);
      process.stdout.write((opts.json ? JSON.stringify(result.data, null, 2) : result.text) + '\n');
      if (result.failed) process.exitCode = 1;
    });
}

/** `--url`, `--admin-token`, `--data-dir`: where the control API is and its token. */
export function connectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', `ymchat server (default ${DEFAULT_URL})`).env('YMCHAT_URL'))
    .addOption(new Option('--admin-token <token>', 'control API token (default: read from <data-dir>/admin-token)').env('YMCHAT_ADMIN_TOKEN'))
    .addOption(new Option('--data-dir <dir>', 'the server data folder holding admin-token (default ./data)').env('YMCHAT_DATA_DIR'));
}

/** Columns padded to their widest cell; empty cells show as `-`. */
export function table(header: string[], rows: (string | number | null | undefined)[][]): string {
  if (rows.length === 0) return '(none)';
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
