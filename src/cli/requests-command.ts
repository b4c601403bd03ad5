import { type Command, InvalidArgumentError, Option } from 'commander';
import type { RequestEntry } from './answers.js';
import type { ControlClient } from './client.js';
import { clientAction as action, positiveId, table } from './kit.js';

/** `ymchat requests [--follow]`: the request inspector's journal of partner API calls. */

const FOLLOW_EVERY_MS = 1000;

/** Lists leave the bodies out unless asked for them. */
type RequestPage = { requests: RequestEntry[] };

function statusFilter(value: string): string {
  if (!/^([1-5]xx|[1-5]\d\d)$/i.test(value)) throw new InvalidArgumentError('expected a class such as 4xx or a status such as 403');
  return value.toLowerCase();
}

const row = (r: RequestEntry) => [
  r.id,
  r.at.slice(11, 23),
  r.status,
  r.operationId,
  r.businessId,
  r.keyName,
  r.chatId,
  `${Math.round(r.latencyMs)} ms`,
  r.errorCode ? `${r.errorCode}: ${r.errorMessage ?? ''}` : '',
];
const HEADER = ['ID', 'TIME (UTC)', 'STATUS', 'OPERATION', 'BUSINESS', 'KEY', 'CHAT', 'LATENCY', 'ERROR'];
const line = (r: RequestEntry) => row(r).map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))).join('  ');

export function registerRequestsCommand(program: Command): void {
  action(
    program
      .command('requests')
      .description('partner API calls the server received, newest last (the request inspector)')
      .addOption(new Option('-b, --business <id>', 'only this business').argParser(positiveId('business id')))
      .option('--operation <operationId>', 'only this method, e.g. getChat')
      .addOption(new Option('--status <status>', 'only this class (2xx, 4xx, 5xx) or status (403)').argParser(statusFilter))
      .option('--key <name>', 'only calls made with the Api-Key of this name')
      .addOption(new Option('--chat <chatId>', 'only calls naming this chat').argParser(positiveId('chat id')))
      .addOption(new Option('-n, --limit <n>', 'how many of the latest calls (default 20)').argParser(positiveId('limit')))
      .option('--bodies', 'show request and response bodies')
      .option('-f, --follow', 'keep printing new calls as they arrive (Ctrl-C stops)'),
    async (client, _args, opts) => {
      const filter = {
        businessId: opts.business,
        operation: opts.operation,
        status: opts.status,
        key: opts.key,
        chatId: opts.chat,
        ...(opts.bodies ? { bodies: 'true' } : {}),
      };
      const data = await client.get<RequestPage>('/requests', { ...filter, limit: opts.limit ?? 20 });
      const latest = [...data.requests].reverse();
      if (!opts.follow) {
        const text = opts.bodies ? latest.map(withBodies).join('\n\n') || '(none)' : table(HEADER, latest.map(row));
        return { data, text };
      }
      await follow(client, filter, latest, opts.json === true, opts.bodies === true);
      return { data: null, text: '' };
    },
  );
}

function withBodies(r: RequestEntry): string {
  return [line(r), `  ${r.method} ${r.path}`, `  > ${r.requestBody ?? '(no body)'}`, `  < ${r.responseBody ?? '(no body)'}`].join('\n');
}

/** Prints what is there, then asks for newer calls every second; stops on Ctrl-C. */
async function follow(client: ControlClient, filter: Record<string, unknown>, first: RequestEntry[], json: boolean, bodies: boolean): Promise<never> {
  const print = (r: RequestEntry) => process.stdout.write((json ? JSON.stringify(r) : bodies ? withBodies(r) : line(r)) + '\n');
  if (!json) process.stdout.write(HEADER.join('  ') + '\n');
  let lastId = 0;
  for (const r of first) {
    print(r);
    lastId = Math.max(lastId, r.id);
  }
  if (first.length === 0) {
    // Nothing matches yet: start after the newest call of any kind, not from the beginning.
    const [newest] = (await client.get<RequestPage>('/requests', { limit: 1 })).requests;
    lastId = newest?.id ?? 0;
  }
  for (;;) {
    await new Promise((r) => setTimeout(r, FOLLOW_EVERY_MS));
    const { requests } = await client.get<RequestPage>('/requests', { ...(filter as Record<string, string | number | undefined>), afterId: lastId, limit: 500 });
    for (const r of requests) {
      print(r);
      lastId = r.id;
    }
  }
}
