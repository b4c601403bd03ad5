import zlib from 'node:zlib';
import type { Random } from './random.js';

/** What simulated buyers, Market and support write, in Russian and English. */

export type Lang = 'ru' | 'en';
export type Kind = 'ORDER' | 'RETURN' | 'DIRECT';

const FIRST: Record<Kind, Record<Lang, string[]>> = {
  ORDER: {
    ru: [
      'Здравствуйте! Когда будет доставлен мой заказ?',
      'Добрый день, можно изменить адрес доставки?',
      'Заказ пришёл не полностью, не хватает одного товара.',
      'Подскажите, пожалуйста, трек-номер посылки.',
      'Коробка пришла помятая, товар цел? Прикладываю фото.',
    ],
    en: [
      'Hello! When will my order arrive?',
      'Hi, can I change the delivery address?',
      'One item is missing from my order.',
      'Could you send me the tracking number, please?',
      'The box arrived dented, photo attached. Is the item fine?',
    ],
  },
  RETURN: {
    ru: [
      'Оформил возврат: товар не включается. Фото прилагаю.',
      'Хочу вернуть товар, не подошёл размер. Как отправить?',
      'На корпусе царапина, оформляю возврат.',
      'Когда вернутся деньги за возврат?',
    ],
    en: [
      'I have filed a return: the item does not switch on. Photo attached.',
      'I would like to return this, wrong size. How do I send it back?',
      'There is a scratch on the case, returning it.',
      'When will I get the refund for my return?',
    ],
  },
  DIRECT: {
    ru: [
      'Есть ли этот товар другого цвета?',
      'Поддерживает ли колонка Bluetooth 5.3?',
      'Какая гарантия на этот товар?',
      'Будет ли поставка до конца недели?',
    ],
    en: [
      'Is this item available in another colour?',
      'Does the speaker support Bluetooth 5.3?',
      'What warranty does this item have?',
      'Will it be back in stock by the end of the week?',
    ],
  },
};

const FOLLOW_UP: Record<Lang, string[]> = {
  ru: ['Здравствуйте, вы здесь?', 'Ответьте, пожалуйста.', 'Жду ответа уже долго.', 'Есть новости?'],
  en: ['Hello, anyone there?', 'Please answer.', 'Still waiting for an answer.', 'Any news?'],
};

const WRITE_BACK: Record<Lang, string[]> = {
  ru: ['Спасибо! А ещё вопрос: есть ли гарантия?', 'Понял. А можно ускорить?', 'Хорошо, а что с оплатой?'],
  en: ['Thanks! One more question: is there a warranty?', 'I see. Can it be faster?', 'OK, and what about the payment?'],
};

export const MARKET_TEXT: Record<Lang, string> = {
  ru: 'Маркет: статус заказа обновлён.',
  en: 'Market: the order status has been updated.',
};
export const SUPPORT_TEXT: Record<Lang, string> = {
  ru: 'Поддержка Маркета: продавец, пожалуйста, ответьте покупателю.',
  en: 'Market support: seller, please answer the buyer.',
};
export const ARBITER_TEXT: Record<Lang, string> = {
  ru: 'Арбитр: спор рассмотрен, решение принято.',
  en: 'Arbiter: the dispute has been reviewed and decided.',
};

export const firstText = (r: Random, kind: Kind, lang: Lang) => r.pick(FIRST[kind][lang]);
export const followUpText = (r: Random, lang: Lang) => r.pick(FOLLOW_UP[lang]);
export const writeBackText = (r: Random, lang: Lang) => r.pick(WRITE_BACK[lang]);

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A small PNG (16×16, two colours from the buyer's stream), a few hundred bytes: "a photo". */
export function tinyPhoto(r: Random): { name: string; contentType: string; data: Uint8Array } {
  const size = 16;
  const a = [r.int(256), r.int(256), r.int(256)];
  const b = [255 - a[0], 255 - a[1], 255 - a[2]];
  const rows: number[] = [];
  for (let y = 0; y < size; y++) {
    rows.push(0);
    for (let x = 0; x < size; x++) rows.push(...((x >> 2) + (y >> 2)) % 2 === 0 ? a : b);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return { name: `photo-${r.int(1_000_000)}.png`, contentType: 'image/png', data: new Uint8Array(png) };
}
