import { isUtf8 } from 'node:buffer';
import { errors } from '../domain/errors.js';

/**
 * JSON request bodies read the way Market's Jackson reads them, with its messages: bytes must be
 * UTF-8, nesting stops at Jackson's 1,000 levels, and a syntax error names the character and what
 * was expected instead of Node's wording. `JSON.parse` does the work; the scanner below only runs
 * to explain a body it refused.
 */

/** Jackson's `StreamReadConstraints` default. */
export const MAX_NESTING_DEPTH = 1000;

const END_OF_CONTENT = 'Unexpected end of content';
const VALID_VALUE = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

const fail = (message: string): never => {
  throw errors.badRequest(message === END_OF_CONTENT ? message : `JSON: ${message}`);
};

/** Jackson's description of a character in its messages. */
function charDesc(code: number): string {
  if (code < 32) return `(CTRL-CHAR, code ${code})`;
  const ch = String.fromCodePoint(code);
  return code > 255 ? `'${ch}' (code ${code} / 0x${code.toString(16)})` : `'${ch}' (code ${code})`;
}

const unexpected = (code: number, what: string): never => fail(`Unexpected character (${charDesc(code)}): ${what}`);

/** Where and how the bytes stop being UTF-8, in Jackson's words. */
function utf8Error(buf: Buffer): string {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    let need = 0;
    let min = 0;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return `Invalid UTF-8 start byte 0x${b.toString(16)}`;
    if (i + need >= buf.length) return END_OF_CONTENT;
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if ((c & 0xc0) !== 0x80) return `Invalid UTF-8 middle byte 0x${c.toString(16)}`;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return `Invalid UTF-8 start byte 0x${b.toString(16)}`;
    i += need + 1;
  }
  return 'Invalid UTF-8';
}

/** Refuses nesting deeper than Jackson allows, before any recursive walk can overflow the stack. */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_NESTING_DEPTH) {
        fail(`Document nesting depth (${depth}) exceeds the maximum allowed (${MAX_NESTING_DEPTH}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`);
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** A recursive-descent reader of the refused text that stops at its first error, as Jackson would. */
class Explainer {
  private i = 0;
  constructor(private readonly s: string) {}

  private code(): number {
    return this.i < this.s.length ? this.s.codePointAt(this.i)! : -1;
  }

  private ws(): number {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.i++;
    }
    const c = this.code();
    if (c === -1) fail(END_OF_CONTENT);
    return c;
  }

  run(): void {
    this.value();
    while (this.i < this.s.length && ' \n\r\t'.includes(this.s[this.i])) this.i++;
    // Jackson would stop reading here; a second value after the first is refused rather than ignored.
    if (this.i < this.s.length) unexpected(this.code(), 'expected end of content after the JSON value');
  }

  private value(): void {
    const c = this.ws();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (/[A-Za-z_$]/.test(String.fromCodePoint(c))) return this.literal();
    unexpected(c, `expected a valid value ${VALID_VALUE}`);
  }

  private literal(): void {
    const m = /^[A-Za-z0-9_$]+/.exec(this.s.slice(this.i, this.i + 256))!;
    if (m[0] !== 'true' && m[0] !== 'false' && m[0] !== 'null') fail(`Unrecognized token '${m[0]}': was expecting ${VALID_VALUE}`);
    this.i += m[0].length;
  }

  private object(): void {
    this.i++;
    let c = this.ws();
    if (c === 0x7d) {
      this.i++;
      return;
    }
    for (;;) {
      if (c !== 0x22) unexpected(c, 'was expecting double-quote to start field name');
      this.string();
      if (this.ws() !== 0x3a) unexpected(this.code(), 'was expecting a colon to separate field name and value');
      this.i++;
      this.value();
      c = this.ws();
      this.i++;
      if (c === 0x7d) return;
      if (c !== 0x2c) unexpected(c, 'was expecting comma to separate Object entries');
      c = this.ws();
    }
  }

  private array(): void {
    this.i++;
    if (this.ws() === 0x5d) {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      const c = this.ws();
      this.i++;
      if (c === 0x5d) return;
      if (c !== 0x2c) unexpected(c, 'was expecting comma to separate Array entries');
    }
  }

  private string(): void {
    this.i++;
    for (;;) {
      const c = this.code();
      if (c === -1) fail(END_OF_CONTENT);
      this.i++;
      if (c === 0x22) return;
      if (c < 32) fail(`Illegal unquoted character (${charDesc(c)}): has to be escaped using backslash to be included in string value`);
      if (c !== 0x5c) continue;
      const e = this.code();
      if (e === -1) fail(END_OF_CONTENT);
      this.i++;
      if (e === 0x75) {
        for (let k = 0; k < 4; k++) {
          const h = this.code();
          if (h === -1) fail(END_OF_CONTENT);
          if (!/[0-9A-Fa-f]/.test(String.fromCodePoint(h))) unexpected(h, 'expected a hex-digit for character escape sequence');
          this.i++;
        }
      } else if (!'"\\/bfnrt'.includes(String.fromCodePoint(e))) {
        fail(`Unrecognized character escape ${charDesc(e)}`);
      }
    }
  }

  private digits(): number {
    const start = this.i;
    while (this.i < this.s.length && this.s.charCodeAt(this.i) >= 0x30 && this.s.charCodeAt(this.i) <= 0x39) this.i++;
    return this.i - start;
  }

  private number(): void {
    if (this.code() === 0x2d) {
      this.i++;
      const c = this.code();
      if (c === -1) fail(END_OF_CONTENT);
      if (c < 0x30 || c > 0x39) unexpected(c, 'expected digit (0-9) to follow minus sign, for valid numeric value');
    }
    const leadingZero = this.code() === 0x30;
    if (this.digits() > 1 && leadingZero) fail('Invalid numeric value: Leading zeroes not allowed');
    if (this.code() === 0x2e) {
      this.i++;
      if (this.digits() === 0) {
        const c = this.code();
        if (c === -1) fail(END_OF_CONTENT);
        fail(`Unexpected character (${charDesc(c)}) in numeric value: Decimal point not followed by a digit`);
      }
    }
    if (this.code() === 0x65 || this.code() === 0x45) {
      this.i++;
      if (this.code() === 0x2b || this.code() === 0x2d) this.i++;
      if (this.digits() === 0) {
        const c = this.code();
        if (c === -1) fail(END_OF_CONTENT);
        fail(`Unexpected character (${charDesc(c)}) in numeric value: Exponent indicator not followed by a digit`);
      }
    }
  }
}

/** `\ud800` escapes parse into lone surrogates, which no UTF-8 text can carry: refused, as Jackson's writer would. */
function checkSurrogates(value: unknown): void {
  const check = (s: string) => {
    if ((s as string & { isWellFormed(): boolean }).isWellFormed()) return;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
        i++;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const part = c <= 0xdbff ? 'first' : 'second';
        fail(`Unmatched ${part} part of surrogate pair (0x${c.toString(16).toUpperCase()})`);
      }
    }
  };
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') check(v);
    else if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        check(k);
        stack.push(x);
      }
    }
  }
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** The body's text, or Market's 400 for bytes that are not UTF-8. */
export function decodeUtf8(buf: Buffer): string {
  if (!isUtf8(buf)) fail(utf8Error(buf));
  return buf.toString('utf8');
}

/** Parses a (non-empty) JSON text as Jackson would accept it, or throws Market's 400. */
export function parseJsonText(text: string): unknown {
  if (text.length > MAX_NESTING_DEPTH) checkDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v) => {
      // Prototype pollution guard, as secure-json-parse does for Fastify's own parser.
      if (key === '__proto__') return undefined;
      return v;
    });
  } catch {
    new Explainer(text).run();
    fail('Malformed JSON content');
  }
  if (SURROGATE_ESCAPE.test(text)) checkSurrogates(value);
  return value;
}
