import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { registerClientCommands } from './commands.js';
import { registerNotifyCommands } from './notify-commands.js';
import { registerListenCommand } from './listen-command.js';
import { registerSimulateCommand } from './simulate-command.js';
import { registerRequestsCommand } from './requests-command.js';

const program = new Command();
program.name('ymchat').description('A sandbox of the Yandex Market Partner API chat service').version('0.1.0');

program
  .command('serve')
  .description('start the server (partner API, control API, console)')
  .addOption(new Option('--host <host>', 'address to listen on').env('YMCHAT_HOST'))
  .addOption(new Option('--port <port>', 'port to listen on (default 8080)').env('YMCHAT_PORT'))
  .addOption(new Option('--data-dir <dir>', 'folder of the SQLite database and files (default ./data)').env('YMCHAT_DATA_DIR'))
  .addOption(new Option('--database <db>', "'sqlite' (default) or a postgres:// URL").env('YMCHAT_DATABASE'))
  .addOption(new Option('--demo', 'create demo data when the database is empty'))
  .addOption(new Option('--reset', 'wipe stored data first'))
  .addOption(new Option('--fixtures <file>', 'import this state file (ymchat export) at start, replacing stored data').env('YMCHAT_FIXTURES'))
  .addOption(new Option('--admin-token <token>', 'token of the control API').env('YMCHAT_ADMIN_TOKEN'))
  .addOption(new Option('--public-url <url>', 'base URL used in file links').env('YMCHAT_PUBLIC_URL'))
  .addOption(new Option('--limits <on|off>', 'enforce Market limits (default on)').env('YMCHAT_LIMITS'))
  .addOption(new Option('--limit-overrides <list>', 'hourly limits per method, e.g. getChat=5,getChats=100').env('YMCHAT_LIMIT_OVERRIDES'))
  .addOption(new Option('--parallel-limit <n>', 'parallel requests per business (default 4)').env('YMCHAT_PARALLEL_LIMIT'))
  .addOption(new Option('--compat-date <date>', 'behave as Market did on YYYY-MM-DD for deprecated fields').env('YMCHAT_COMPAT_DATE'))
  .addOption(new Option('--redis-url <url>', 'share hourly limits between instances through Redis').env('YMCHAT_REDIS_URL'))
  .addOption(new Option('--inspector-limit <n>', 'partner calls the request inspector keeps per business (default 10000)').env('YMCHAT_INSPECTOR_LIMIT'))
  .addOption(new Option('--inspector-body-bytes <n>', 'bytes of each request/response body the inspector keeps (default 8192)').env('YMCHAT_INSPECTOR_BODY_BYTES'))
  .addOption(new Option('--pg-schema <name>', 'PostgreSQL schema to keep the tables in (created when missing)').env('YMCHAT_PG_SCHEMA'))
  .addOption(new Option('--db-timeout-ms <ms>', 'longest wait for the database or Redis before answering 503 (default 5000)').env('YMCHAT_DB_TIMEOUT_MS'))
  .addOption(new Option('--log-level <level>', 'pino level (default info)').env('YMCHAT_LOG_LEVEL'))
  .action(async (opts) => {
    const config = loadConfig(opts);
    // Loaded here: the server's modules would slow every client command down.
    const { banner, startServer } = await import('../server.js');
    const server = await startServer(config);
    process.stdout.write(banner(server.url, server.services.config, config.demo) + '\n');
    const stop = () => {
      server.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

registerClientCommands(program);
registerNotifyCommands(program);
registerListenCommand(program);
registerSimulateCommand(program);
registerRequestsCommand(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  const msg = e instanceof ConfigError ? `ymchat: ${e.message}` : `ymchat: ${(e as Error).message ?? e}`;
  process.stderr.write(msg + '\n');
  process.exit(1);
});
