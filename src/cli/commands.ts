import fs from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CONTROL_SENDERS, PLACEMENT_MODELS } from '../domain/model.js';
import type { ChatMessage } from '../client/types.js';
import type {
  ApiKeyInfo,
  ChatWithMessage,
  ClockView,
  ContextChat,
  Fault,
  Quotas,
  SandboxChat,
  StateFile,
} from '../testing/control.js';
import type { SandboxBusiness, SandboxBuyer, SandboxCampaign, SandboxOrder, SandboxReturn } from './answers.js';
import { CliError } from './client.js';
import { clientAction as action, positiveId, table } from './kit.js';

/**
 * Commands over the control API, for a person at a terminal: every command prints a short human
 * answer, or the API's JSON with `--json`, and fails with one line `ymchat: <message>` and a
 * non-zero exit.
 */

function number(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${what} must be a number`);
    return n;
  };
}

const businessOption = (required = true) => {
  const o = new Option('-b, --business <id>', 'business (cabinet) id').argParser(positiveId('business id'));
  return required ? o.makeOptionMandatory() : o;
};

const contextOf = (c: SandboxChat) =>
  c.context.type === 'DIRECT' ? `DIRECT ${c.subject ?? ''}`.trim() : c.context.type === 'RETURN' ? `RETURN ${c.context.returnId}` : `ORDER ${c.context.orderId}`;
const chatLine = (c: SandboxChat) => `chat ${c.chatId} (business ${c.businessId}, ${contextOf(c)}): ${c.type} ${c.status}`;

function historyText(chat: SandboxChat, messages: ChatMessage[]): string {
  const lines = [chatLine(chat), ''];
  for (const m of messages) {
    lines.push(`[${m.createdAt}] #${m.messageId} ${m.sender}: ${m.message ?? ''}`.trimEnd());
    for (const f of m.payload ?? []) lines.push(`    file ${f.name} (${f.size} bytes) ${f.url}`);
  }
  if (messages.length === 0) lines.push('(no messages)');
  return lines.join('\n');
}

function registerEntityCommands(program: Command): void {
  const business = program.command('business').description('businesses (seller cabinets)');
  action(business.command('list').description('list businesses'), async (client) => {
    const data = await client.get<{ businesses: SandboxBusiness[] }>('/businesses');
    return { data, text: table(['ID', 'NAME'], data.businesses.map((b) => [b.id, b.name])) };
  });
  action(
    business.command('create').description('create a business').argument('<name>', 'its name').option('--id <id>', 'a chosen id', positiveId('id')),
    async (client, args, opts) => {
      const data = await client.post<SandboxBusiness>('/businesses', { name: args[0], ...(opts.id ? { id: opts.id } : {}) });
      return { data, text: `business ${data.id} created: ${data.name}` };
    },
  );
  action(business.command('delete').description('delete a business and everything in it').argument('<id>', 'business id', positiveId('business id')), async (client, args) => {
    const data = await client.delete<SandboxBusiness>(`/businesses/${args[0]}`);
    return { data, text: `business ${data.id} deleted` };
  });

  const campaign = program.command('campaign').description('campaigns (stores) of a business');
  action(campaign.command('list').description('list the stores of a business').addOption(businessOption()), async (client, _args, opts) => {
    const data = await client.get<{ campaigns: SandboxCampaign[] }>(`/businesses/${opts.business}/campaigns`);
    return { data, text: table(['ID', 'MODEL', 'DOMAIN'], data.campaigns.map((c) => [c.id, c.placementModel, c.domain])) };
  });
  action(
    campaign
      .command('create')
      .description('create a store')
      .addOption(businessOption())
      .addOption(new Option('--model <model>', 'placement model').choices(PLACEMENT_MODELS).default('FBS'))
      .option('--domain <name>', 'store name'),
    async (client, _args, opts) => {
      const data = await client.post<SandboxCampaign>(`/businesses/${opts.business}/campaigns`, { placementModel: opts.model, ...(opts.domain ? { domain: opts.domain } : {}) });
      return { data, text: `campaign ${data.id} created (${data.placementModel}) in business ${data.businessId}` };
    },
  );

  const buyer = program.command('buyer').description('buyers');
  action(buyer.command('list').description('list buyers'), async (client) => {
    const data = await client.get<{ buyers: SandboxBuyer[] }>('/buyers');
    return { data, text: table(['ID', 'NAME', 'PUBLIC ID'], data.buyers.map((b) => [b.id, b.name, b.publicId])) };
  });
  action(buyer.command('create').description('create a buyer').option('--name <name>', 'shown to the seller').option('--public-id <id>', 'public id'), async (client, _args, opts) => {
    const data = await client.post<SandboxBuyer>('/buyers', { ...(opts.name ? { name: opts.name } : {}), ...(opts.publicId ? { publicId: opts.publicId } : {}) });
    return { data, text: `buyer ${data.id} created (${data.name ?? 'no name'}, ${data.publicId})` };
  });

  const order = program.command('order').description('orders of a business');
  action(order.command('list').description('list orders').addOption(businessOption()), async (client, _args, opts) => {
    const data = await client.get<{ orders: SandboxOrder[] }>(`/businesses/${opts.business}/orders`);
    return { data, text: table(['ID', 'CAMPAIGN', 'BUYER'], data.orders.map((o) => [o.id, o.campaignId, o.buyerId])) };
  });
  action(
    order
      .command('create')
      .description('create an order')
      .addOption(businessOption())
      .option('--campaign <id>', 'store (default: the first of the business)', positiveId('campaign id'))
      .option('--buyer <id>', 'buyer', positiveId('buyer id')),
    async (client, _args, opts) => {
      const data = await client.post<SandboxOrder>(`/businesses/${opts.business}/orders`, {
        ...(opts.campaign ? { campaignId: opts.campaign } : {}),
        ...(opts.buyer ? { buyerId: opts.buyer } : {}),
      });
      return { data, text: `order ${data.id} created in campaign ${data.campaignId}` };
    },
  );

  const ret = program.command('return').description('returns of a business');
  action(ret.command('list').description('list returns').addOption(businessOption()), async (client, _args, opts) => {
    const data = await client.get<{ returns: SandboxReturn[] }>(`/businesses/${opts.business}/returns`);
    return { data, text: table(['ID', 'ORDER', 'CAMPAIGN'], data.returns.map((r) => [r.id, r.orderId, r.campaignId])) };
  });
  action(
    ret.command('create').description('create a return of an order').addOption(businessOption()).requiredOption('--order <id>', 'the order', positiveId('order id')),
    async (client, _args, opts) => {
      const data = await client.post<SandboxReturn>(`/businesses/${opts.business}/returns`, { orderId: opts.order });
      return { data, text: `return ${data.id} created for order ${data.orderId}` };
    },
  );
}

function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('Api-Keys of a business');
  action(
    key
      .command('create')
      .description('create an Api-Key; its token is printed once')
      .addOption(businessOption())
      .requiredOption('--name <name>', 'key name (1..100 characters)')
      .option('--scope <scope...>', 'scopes, e.g. communication, all-methods, all-methods:read-only', ['communication']),
    async (client, _args, opts) => {
      const data = await client.post<ApiKeyInfo & { token: string }>(`/businesses/${opts.business}/keys`, { name: opts.name, scopes: opts.scope });
      return { data, text: `${data.token}\n(key ${data.id} '${data.name}', scopes ${data.scopes.join(', ')}; the token is shown only now)` };
    },
  );
  action(key.command('list').description('list the keys of a business (no tokens)').addOption(businessOption()), async (client, _args, opts) => {
    const data = await client.get<{ keys: ApiKeyInfo[] }>(`/businesses/${opts.business}/keys`);
    return {
      data,
      text: table(['ID', 'NAME', 'SCOPES', 'REVOKED'], data.keys.map((k) => [k.id, k.name, k.scopes.join(','), k.revokedAt ?? 'no'])),
    };
  });
  action(key.command('revoke').description('revoke a key: the partner API then answers 401 "Api-Key token is revoked"').argument('<keyId>', 'key id', positiveId('key id')), async (client, args) => {
    const data = await client.delete<ApiKeyInfo>(`/keys/${args[0]}`);
    return { data, text: `key ${data.id} revoked` };
  });
}

const SENDERS: readonly string[] = CONTROL_SENDERS;
const senderOption = () =>
  new Option('--as <sender>', 'who writes: CUSTOMER (the buyer), MARKET, SUPPORT or ARBITER').default('CUSTOMER').argParser((v) => {
    const up = v.toUpperCase();
    if (!SENDERS.includes(up)) throw new InvalidArgumentError(`expected one of ${SENDERS.join(', ')}`);
    return up;
  });

function registerChatCommands(program: Command): void {
  action(
    program
      .command('chats')
      .description("list a business's chats, newest first")
      .addOption(businessOption())
      .option('--status <list>', 'comma-separated statuses, e.g. WAITING_FOR_PARTNER')
      .option('--type <list>', 'CHAT and/or ARBITRAGE')
      .option('--context-type <list>', 'ORDER, RETURN and/or DIRECT')
      .option('--limit <n>', 'at most this many (default 50)', positiveId('limit')),
    async (client, _args, opts) => {
      const data = await client.get<{ chats: SandboxChat[] }>(`/businesses/${opts.business}/chats`, {
        status: opts.status,
        type: opts.type,
        contextType: opts.contextType,
        limit: opts.limit,
      });
      const rows = data.chats.map((c) => [c.chatId, c.status, c.type, contextOf(c), c.context.customer?.name, c.updatedAt]);
      return { data, text: table(['CHAT', 'STATUS', 'TYPE', 'CONTEXT', 'CUSTOMER', 'UPDATED'], rows) };
    },
  );
  action(
    program
      .command('history')
      .description("print a chat's messages, the seller's included")
      .argument('<chatId>', 'chat id', positiveId('chat id'))
      .option('--limit <n>', 'at most this many messages (default 100)', positiveId('limit')),
    async (client, args, opts) => {
      const chat = await client.get<SandboxChat>(`/chats/${args[0]}`);
      const page = await client.get<{ messages: ChatMessage[]; hasMore: boolean }>(`/chats/${args[0]}/messages`, { limit: opts.limit });
      const more = page.hasMore ? '\n(more messages follow: raise --limit)' : '';
      return { data: { chat, messages: page.messages, hasMore: page.hasMore }, text: historyText(chat, page.messages) + more };
    },
  );
  action(
    program
      .command('direct')
      .description('as a buyer, start a chat about a product (DIRECT) with a business')
      .addOption(businessOption())
      .requiredOption('--buyer <id>', 'the buyer', positiveId('buyer id'))
      .option('--subject <text>', 'the product asked about')
      .argument('[message]', 'the first message'),
    async (client, args, opts) => {
      const data = await client.post<ChatWithMessage>('/chats/direct', {
        businessId: opts.business,
        buyerId: opts.buyer,
        ...(opts.subject ? { subject: opts.subject } : {}),
        ...(args[0] ? { message: args[0] } : {}),
      });
      return { data, text: `${chatLine(data.chat)}${data.messageId ? `, message ${data.messageId}` : ''}` };
    },
  );
  action(
    program
      .command('open-chat')
      .description('as the buyer, open the chat of an order or a return (or find it open)')
      .option('--order <id>', 'the order', positiveId('order id'))
      .option('--return <id>', 'the return', positiveId('return id'))
      .argument('[message]', 'a first message from the buyer'),
    async (client, args, opts) => {
      if ((opts.order === undefined) === (opts.return === undefined)) throw new CliError('give exactly one of --order and --return');
      const target = opts.order !== undefined ? `/orders/${opts.order}/chat` : `/returns/${opts.return}/chat`;
      const data = await client.post<ContextChat>(target, args[0] ? { message: args[0] } : {});
      return { data, text: `${chatLine(data.chat)}${data.created ? ' (new)' : ''}${data.messageId ? `, message ${data.messageId}` : ''}` };
    },
  );
  action(
    program
      .command('send')
      .description('write into a chat as the buyer (default), Market, support or the arbiter')
      .argument('<chatId>', 'chat id', positiveId('chat id'))
      .argument('<text>', 'the message')
      .addOption(senderOption()),
    async (client, args, opts) => {
      const data = await client.post<ChatWithMessage>(`/chats/${args[0]}/messages`, { message: args[1], sender: opts.as });
      return { data, text: `message ${data.messageId} sent; ${chatLine(data.chat)}` };
    },
  );
  action(
    program
      .command('send-file')
      .description('send a file into a chat as the buyer (default), Market, support or the arbiter')
      .argument('<chatId>', 'chat id', positiveId('chat id'))
      .argument('<file>', 'path of the file (at most 5 MB)')
      .addOption(senderOption()),
    async (client, args, opts) => {
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(args[1]);
      } catch (e) {
        throw new CliError(`cannot read ${args[1]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const data = await client.upload<ChatWithMessage>(`/chats/${args[0]}/files?sender=${opts.as}`, path.basename(args[1]), bytes);
      return { data, text: `file sent as message ${data.messageId}; ${chatLine(data.chat)}` };
    },
  );

  const dispute = program.command('dispute').description("the buyer's dispute over a chat, and the arbiter's decision");
  action(dispute.command('open').description('open a dispute: the chat becomes ARBITRAGE, WAITING_FOR_ARBITER').argument('<chatId>', 'chat id', positiveId('chat id')), async (client, args) => {
    const data = await client.post<SandboxChat>(`/chats/${args[0]}/dispute`);
    return { data, text: chatLine(data) };
  });
  action(dispute.command('close').description('close the dispute: the chat is FINISHED').argument('<chatId>', 'chat id', positiveId('chat id')), async (client, args) => {
    const data = await client.post<SandboxChat>(`/chats/${args[0]}/dispute/close`);
    return { data, text: chatLine(data) };
  });
  action(program.command('finish').description('finish a chat, as Market does').argument('<chatId>', 'chat id', positiveId('chat id')), async (client, args) => {
    const data = await client.post<SandboxChat>(`/chats/${args[0]}/finish`);
    return { data, text: chatLine(data) };
  });
  action(
    program
      .command('set-status')
      .description('set a chat status directly, e.g. WAITING_FOR_MARKET')
      .argument('<chatId>', 'chat id', positiveId('chat id'))
      .argument('<status>', 'NEW, WAITING_FOR_CUSTOMER, WAITING_FOR_PARTNER, WAITING_FOR_ARBITER, WAITING_FOR_MARKET or FINISHED'),
    async (client, args) => {
      const data = await client.post<SandboxChat>(`/chats/${args[0]}/status`, { status: String(args[1]).toUpperCase() });
      return { data, text: chatLine(data) };
    },
  );
}

const clockText = (c: ClockView) => `${c.now} (${c.mode === 'real' ? 'real time' : c.frozen ? 'virtual, frozen' : 'virtual, running'})`;

function registerClockCommands(program: Command): void {
  const clock = program.command('clock').description('the sandbox clock (timestamps, hourly limit windows, notification retries)');
  action(clock.command('show', { isDefault: true }).description('print the sandbox time'), async (client) => {
    const data = await client.get<ClockView>('/clock');
    return { data, text: clockText(data) };
  });
  const change = (name: string, description: string, body: (args: any[]) => object, argument?: [string, string]) => {
    const cmd = clock.command(name).description(description);
    if (argument) cmd.argument(argument[0], argument[1]);
    action(cmd, async (client, args) => {
      const data = await client.post<ClockView>('/clock', body(args));
      return { data, text: clockText(data) };
    });
  };
  change('freeze', 'stop time (now, or at the given time)', (a) => ({ action: 'freeze', ...(a[0] ? { at: a[0] } : {}) }), ['[at]', 'ISO 8601 with an offset, or epoch ms']);
  change('set', 'set the time (keeps it frozen or running)', (a) => ({ action: 'set', at: a[0] }), ['<at>', 'ISO 8601 with an offset, or epoch ms']);
  change('advance', "move time on, e.g. +1h, 30m, 2d (back: 'clock advance -- -1h')", (a) => ({ action: 'advance', by: a[0] }), ['<by>', 'duration: ms, s, m, h, d or w']);
  change('resume', 'let virtual time run on from where it is', () => ({ action: 'resume' }));
  change('real', 'back to real time', () => ({ action: 'real' }));
}

function registerFaultCommands(program: Command): void {
  const fault = program.command('fault').description("injected failures of a business's partner API calls");
  action(
    fault
      .command('add')
      .description('make the next N calls (or a share of calls) fail with 420, 500 or 503, or answer late')
      .addOption(businessOption())
      .option('--method <operationId>', "partner method, e.g. getChat, or '*' for all", '*')
      .addOption(new Option('--kind <kind>', 'what happens').choices(['420', '500', '503', 'DELAY']).makeOptionMandatory())
      .option('--count <n>', 'the next N calls (default 1)', positiveId('count'))
      .option('--probability <p>', 'this share of calls (0..1], until removed', number('probability'))
      .option('--delay-ms <ms>', 'DELAY: how long to wait', number('delay')),
    async (client, _args, opts) => {
      const data = await client.post<Fault>('/faults', {
        businessId: opts.business,
        method: opts.method,
        kind: opts.kind,
        ...(opts.count !== undefined ? { count: opts.count } : {}),
        ...(opts.probability !== undefined ? { probability: opts.probability } : {}),
        ...(opts.delayMs !== undefined ? { delayMs: opts.delayMs } : {}),
      });
      const how = data.count !== null ? `next ${data.count} call(s)` : `${(data.probability ?? 0) * 100}% of calls`;
      return { data, text: `fault ${data.id}: ${data.method} of business ${data.businessId} → ${data.kind} for the ${how}` };
    },
  );
  action(fault.command('list').description('list faults').addOption(businessOption(false)), async (client, _args, opts) => {
    const data = await client.get<{ faults: Fault[] }>('/faults', { businessId: opts.business });
    const rows = data.faults.map((f) => [f.id, f.businessId, f.method, f.kind, f.count ?? `p=${f.probability}`, f.delayMs]);
    return { data, text: table(['ID', 'BUSINESS', 'METHOD', 'KIND', 'LEFT', 'DELAY MS'], rows) };
  });
  action(fault.command('clear').description('remove all faults (of one business with --business)').addOption(businessOption(false)), async (client, _args, opts) => {
    const data = await client.delete<{ cleared: number }>('/faults', { businessId: opts.business });
    return { data, text: `${data.cleared} fault(s) removed` };
  });

  const quota = program.command('quota').description('hourly quotas of partner methods');
  action(quota.command('show', { isDefault: true }).description("a business's use of its hourly quotas").addOption(businessOption()).option('--method <operationId>', 'one method'), async (client, _args, opts) => {
    const data = await client.get<Quotas>(`/businesses/${opts.business}/quotas`, { method: opts.method });
    const rows = data.quotas.map((q) => [q.method, q.used, q.limit, q.remaining]);
    return { data, text: `window ${data.windowStart} .. ${data.resetsAt}\n${table(['METHOD', 'USED', 'LIMIT', 'REMAINING'], rows)}` };
  });
  action(quota.command('reset').description('forget the use of the current window').addOption(businessOption()).option('--method <operationId>', 'one method'), async (client, _args, opts) => {
    const data = await client.delete<{ businessId: number; reset: string }>(`/businesses/${opts.business}/quotas`, { method: opts.method });
    return { data, text: `quotas of business ${data.businessId} reset (${data.reset})` };
  });
}

function registerStateCommands(program: Command): void {
  action(program.command('export').description('write the whole sandbox as JSON (to stdout, or a file)').argument('[file]', 'where to write'), async (client, args) => {
    const data = await client.get<StateFile & Record<'businesses' | 'chats' | 'messages', unknown[]>>('/state');
    const json = JSON.stringify(data, null, 2);
    if (!args[0]) return { data, text: json };
    fs.writeFileSync(args[0], json + '\n');
    const summary = { file: path.resolve(args[0]), businesses: data.businesses.length, chats: data.chats.length, messages: data.messages.length };
    return { data: summary, text: `exported to ${args[0]}: ${summary.businesses} businesses, ${summary.chats} chats, ${summary.messages} messages` };
  });
  action(program.command('import').description('replace the whole sandbox with a state file (all or nothing)').argument('<file>', 'a file written by export, or fixtures'), async (client, args) => {
    let body: unknown;
    try {
      body = JSON.parse(fs.readFileSync(args[0], 'utf8'));
    } catch (e) {
      throw new CliError(`cannot read ${args[0]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const data = await client.put<{ imported: Record<string, number> }>('/state', body);
    const counts = Object.entries(data.imported).map(([k, v]) => `${v} ${k}`).join(', ');
    return { data, text: `imported ${counts || 'an empty sandbox'}` };
  });
  action(program.command('reset').description('empty the sandbox (or load the demo data with --demo)').option('--demo', 'load the demo data'), async (client, _args, opts) => {
    const data = await client.post<{ reset: string }>('/reset', { to: opts.demo ? 'demo' : 'empty' });
    return { data, text: data.reset === 'demo' ? 'sandbox reset to the demo data' : 'sandbox emptied' };
  });
}

/** Commands over the control API, for a person at a terminal. */
export function registerClientCommands(program: Command): void {
  // Commander's own errors (unknown option, missing argument) in the same one-line form.
  program.configureOutput({ outputError: (str, write) => write(`ymchat: ${str.replace(/^error: /, '')}`) });
  registerEntityCommands(program);
  registerKeyCommands(program);
  registerChatCommands(program);
  registerClockCommands(program);
  registerFaultCommands(program);
  registerStateCommands(program);
}
