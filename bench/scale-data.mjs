// A large sandbox made by SQL generation (not API calls): the demo data plus `chats` chats of the
// demo business and `messages` messages, `bigChat` of them in the demo's first chat. No chat has
// status WAITING_FOR_MARKET, so filtering on it matches nothing.
import { openStorage } from '../dist/storage/storage.js';
import { seedDemo } from '../dist/domain/demo.js';
import { syncSequences } from '../dist/storage/sequences.js';
import { sql } from 'kysely';

export const BIG_CHAT = 5000001;
export const FIRST_GENERATED_CHAT = 5000101;
const BUSINESS = 1000001;
const BUYER = 6000001;

/** The shared shape of a generated chat, as SQL over a row number n (0-based) of each dialect. */
function chatSelect(n, now) {
  return `
    ${BUSINESS}, case when ${n} % 10 < 6 then 'ORDER' when ${n} % 10 < 8 then 'RETURN' else 'DIRECT' end,
    case when ${n} % 10 < 6 then 'ORDER:' || (20000000 + ${n}) when ${n} % 10 < 8 then 'RETURN:' || (40000000 + ${n}) else null end,
    case when ${n} % 10 < 8 then 2000001 else null end,
    case when ${n} % 10 < 8 then 20000000 + ${n} else null end,
    case when ${n} % 10 in (6, 7) then 40000000 + ${n} else null end,
    ${BUYER}, case when ${n} % 10 >= 8 then 'Item ' || ${n} else null end,
    case when ${n} % 97 = 0 then 'ARBITRAGE' else 'CHAT' end,
    case when ${n} % 97 = 0 then 'WAITING_FOR_ARBITER' when ${n} % 5 = 0 then 'NEW' when ${n} % 5 = 1 then 'WAITING_FOR_CUSTOMER'
         when ${n} % 5 = 2 then 'WAITING_FOR_PARTNER' else 'FINISHED' end,
    ${now} - ${n}, ${now} - ${n}, 1`;
}

const CHAT_COLUMNS = 'id, business_id, context_type, context_key, campaign_id, order_id, return_id, buyer_id, subject, type, status, created_at, updated_at, version';

export async function buildScaleDb({ database = 'sqlite', dataDir, pgSchema, chats, messages, bigChat, log = () => {} }) {
  const storage = await openStorage({ database, dataDir, pgSchema, reset: true });
  const now = Date.now();
  await seedDemo(storage, now);
  const rest = Math.max(0, messages - bigChat);
  const t0 = Date.now();
  if (storage.sqlite) {
    const h = storage.sqlite;
    h.pragma('synchronous = OFF');
    h.exec('begin');
    h.exec(`with recursive n(x) as (select 0 union all select x + 1 from n where x < ${chats - 1})
      insert into chats (${CHAT_COLUMNS}) select ${FIRST_GENERATED_CHAT} + x, ${chatSelect('x', now)} from n`);
    log(`  ${chats} chats in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    h.exec(`with recursive n(x) as (select 0 union all select x + 1 from n where x < ${bigChat - 1})
      insert into messages (chat_id, business_id, sender, text, created_at)
      select ${BIG_CHAT}, ${BUSINESS}, case when x % 2 = 0 then 'CUSTOMER' else 'PARTNER' end, 'Message number ' || x, ${now} - 1000000 + x from n`);
    h.exec(`with recursive n(x) as (select 0 union all select x + 1 from n where x < ${rest - 1})
      insert into messages (chat_id, business_id, sender, text, created_at)
      select ${FIRST_GENERATED_CHAT} + (x * ${chats}) / ${Math.max(rest, 1)}, ${BUSINESS}, case when x % 2 = 0 then 'CUSTOMER' else 'PARTNER' end,
        'Generated message ' || x, ${now} - x from n`);
    h.exec('commit');
    h.exec('analyze');
    h.pragma('synchronous = NORMAL');
  } else {
    const db = storage.db;
    await sql.raw(`insert into chats (${CHAT_COLUMNS}) select ${FIRST_GENERATED_CHAT} + x, ${chatSelect('x', now)} from generate_series(0, ${chats - 1}) as x`).execute(db);
    log(`  ${chats} chats in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await sql.raw(`insert into messages (chat_id, business_id, sender, text, created_at)
      select ${BIG_CHAT}, ${BUSINESS}, case when x % 2 = 0 then 'CUSTOMER' else 'PARTNER' end, 'Message number ' || x, ${now} - 1000000 + x
      from generate_series(0, ${bigChat - 1}) as x`).execute(db);
    await sql.raw(`insert into messages (chat_id, business_id, sender, text, created_at)
      select ${FIRST_GENERATED_CHAT} + (x::bigint * ${chats}) / ${Math.max(rest, 1)}, ${BUSINESS}, case when x % 2 = 0 then 'CUSTOMER' else 'PARTNER' end,
        'Generated message ' || x, ${now} - x from generate_series(0, ${rest - 1}) as x`).execute(db);
    await sql.raw('analyze').execute(db);
    await syncSequences(storage);
  }
  log(`  ${messages} messages, done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await storage.close();
}
