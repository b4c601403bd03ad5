import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { errors } from '../domain/errors.js';

/**
 * Validation with Market's (Spring's) messages. Query and path parameters are parsed here by
 * their schema (no ajv coercion: `chatId=1.5` or a value beyond int64 is a type mismatch, as in
 * Java); bodies go through ajv with coercion and property stripping off, and the first failure
 * is turned into the documented message form.
 */

type JsonSchema = {
  type?: string | string[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  'x-aliases'?: string[];
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
export const JAVA_INT_MAX = 2147483647;

/** `rejected value` as Market prints it. */
function shown(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')}]`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export const messages = {
  missingParam: (name: string) => `Required request parameter '${name}' is not present`,
  typeMismatch: (value: unknown) => `Type mismatch: '${shown(value)}'`,
  min: (field: string, min: number, v: unknown) => `'${field}' must be greater than or equal to '${min}' (rejected value: '${shown(v)}')`,
  max: (field: string, max: number, v: unknown) => `'${field}' must be less than or equal to '${max}' (rejected value: '${shown(v)}')`,
  pageLimitMax: (max: number, v: unknown) => `Parameter limit must be less than or equal to '${max}' (rejected value: '${shown(v)}')`,
  notNull: (field: string) => `'${field}' must not be null (rejected value: null)`,
  sizeValue: (field: string, min: number, max: number, v: unknown) =>
    `'${field}' size must be between '${min}' and '${max}' (rejected value: '${shown(v)}')`,
  sizeCollection: (field: string, min: number, max: number, size: number) =>
    `'${field}' size must be between '${min}' and '${max}' (rejected size: '${size}')`,
  unique: (field: string, v: unknown) => `'${field}' must contain unique elements (rejected value: '${shown(v)}')`,
  elementsNotNull: (field: string, v: unknown) => `'${field}' elements must be not null (rejected value: '${shown(v)}')`,
  illegalInput: (path: string) => `Illegal input at '${path}'`,
  enumValue: (path: string, v: unknown, allowed: unknown[]) =>
    `Illegal input at '${path}': unknown value '${shown(v)}', expected one of: ${allowed.join(', ')}`,
  bodyMissing: () => 'Required request body is missing',
};

function parseInteger(name: string, raw: string, s: JsonSchema): number | string {
  if (!/^[+-]?\d+$/.test(raw)) throw errors.badRequest(messages.typeMismatch(raw));
  const big = BigInt(raw);
  const [lo, hi] = s.format === 'int32' ? [INT32_MIN, INT32_MAX] : [INT64_MIN, INT64_MAX];
  if (big < lo || big > hi) throw errors.badRequest(messages.typeMismatch(raw));
  const value = Number(big);
  if (s.minimum !== undefined && value < s.minimum) throw errors.badRequest(messages.min(name, s.minimum, big));
  if (s.maximum !== undefined && value > s.maximum) {
    throw errors.badRequest(name === 'limit' ? messages.pageLimitMax(s.maximum, big) : messages.max(name, s.maximum, big));
  }
  // Beyond 2^53 no stored entity can match; keep the exact digits for the 404 message.
  return Number.isSafeInteger(value) ? value : big.toString();
}

function parseScalar(name: string, raw: string, s: JsonSchema): unknown {
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'integer') return parseInteger(name, raw, s);
  if (type === 'number') {
    const v = Number(raw);
    if (raw.trim() === '' || Number.isNaN(v)) throw errors.badRequest(messages.typeMismatch(raw));
    return v;
  }
  if (type === 'boolean') {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw errors.badRequest(messages.typeMismatch(raw));
  }
  if (s.enum && !s.enum.includes(raw)) throw errors.badRequest(messages.typeMismatch(raw));
  if (s.minLength !== undefined && raw.length < s.minLength) {
    throw errors.badRequest(messages.sizeValue(name, s.minLength, s.maxLength ?? JAVA_INT_MAX, raw));
  }
  if (s.maxLength !== undefined && raw.length > s.maxLength) {
    throw errors.badRequest(messages.sizeValue(name, s.minLength ?? 0, s.maxLength, raw));
  }
  return raw;
}

/** Query string and path parameters: strings parsed by the declared schema. */
export function compileParams(schema: JsonSchema): (data: Record<string, unknown>) => { value?: unknown; error?: Error } {
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  return (data) => {
    try {
      const out: Record<string, unknown> = {};
      for (const [name, s] of props) {
        const names = s['x-aliases'] ?? [name];
        let raw: unknown;
        for (const n of names) {
          if (data[n] !== undefined) {
            raw = data[n];
            break;
          }
        }
        if (Array.isArray(raw)) raw = raw[0];
        if (raw === undefined || raw === '') {
          if (required.has(name)) throw errors.badRequest(messages.missingParam(name));
          continue;
        }
        out[name] = parseScalar(name, String(raw), s);
      }
      return { value: out };
    } catch (e) {
      return { error: e as Error };
    }
  };
}

/** `/items/0/text` → `items[0].text`: Spring names a field by its whole path in every message. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg, i) => (/^\d+$/.test(seg) ? `[${seg}]` : i === 0 ? seg : `.${seg}`))
    .join('');
}

function resolveData(root: unknown, instancePath: string): unknown {
  let cur: any = root;
  for (const seg of instancePath.split('/').slice(1)) cur = cur?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

/** Turns ajv's first error into Market's message. */
export function bodyErrorMessage(err: ErrorObject, data: unknown): string {
  const path = fieldPath(err.instancePath);
  const value = resolveData(data, err.instancePath);
  const p = err.params as Record<string, any>;
  // Null properties were dropped before validation, so a null here is an element of an array.
  if (value === null && /\/\d+$/.test(err.instancePath)) {
    const arrayPath = err.instancePath.replace(/\/\d+$/, '');
    return messages.elementsNotNull(fieldPath(arrayPath), resolveData(data, arrayPath));
  }
  switch (err.keyword) {
    case 'required':
      return messages.notNull(path ? `${path}.${p.missingProperty}` : p.missingProperty);
    case 'minimum':
      return messages.min(path, p.limit, value);
    case 'maximum':
      return messages.max(path, p.limit, value);
    case MIN_LENGTH:
    case MAX_LENGTH: {
      const s = err.parentSchema as Record<string, number | undefined>;
      return messages.sizeValue(path, s[MIN_LENGTH] ?? 0, s[MAX_LENGTH] ?? JAVA_INT_MAX, value);
    }
    case 'minItems':
    case 'maxItems': {
      const s = err.parentSchema as { minItems?: number; maxItems?: number };
      return messages.sizeCollection(path, s.minItems ?? 0, s.maxItems ?? JAVA_INT_MAX, (value as unknown[]).length);
    }
    case 'uniqueItems':
    case UNIQUE_ITEMS:
      return messages.unique(path, value);
    case 'enum':
      return messages.enumValue(path, value, p.allowedValues);
    default:
      return messages.illegalInput(path || '$');
  }
}

function newAjv(): Ajv {
  const ajv = new Ajv({
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    allErrors: false,
    strict: false,
    verbose: true,
  });
  for (const f of ['binary', 'date-time', 'date', 'uri', 'url']) ajv.addFormat(f, true);
  // Java's long and int: a JSON number beyond them is unreadable there, not a huge id to look up.
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Math.abs(n) <= 2 ** 63 });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => n >= -(2 ** 31) && n <= 2 ** 31 - 1 });
  ajv.addKeyword({
    keyword: UNIQUE_ITEMS,
    type: 'array',
    schemaType: 'boolean',
    validate: (on: boolean, data: unknown[]) => !on || new Set(data.map(canonicalJson)).size === data.length,
  });
  // Java's String.length(): UTF-16 units, so an emoji counts twice (ajv's own keywords count code points).
  ajv.addKeyword({ keyword: MIN_LENGTH, type: 'string', schemaType: 'number', validate: (min: number, data: string) => data.length >= min });
  ajv.addKeyword({ keyword: MAX_LENGTH, type: 'string', schemaType: 'number', validate: (max: number, data: string) => data.length <= max });
  return ajv;
}

/** ajv's own uniqueItems compares objects pairwise: quadratic on a 512 KB array, so a linear one replaces it. */
const UNIQUE_ITEMS = 'x-unique-items';
const MIN_LENGTH = 'x-utf16-min-length';
const MAX_LENGTH = 'x-utf16-max-length';

/** Keywords ajv checks differently from Spring, and the keywords that check them as Spring does. */
const FOR_AJV: Record<string, string> = { uniqueItems: UNIQUE_ITEMS, minLength: MIN_LENGTH, maxLength: MAX_LENGTH };

/** JSON with object keys sorted, so equal values give equal strings. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

/**
 * A copy of the schema with `uniqueItems` checked by the linear keyword and string lengths in
 * UTF-16 units (the original stays for the OpenAPI document). Every body schema passes here, so
 * each `maxLength` of the contract is checked the Java way without a rule per field.
 */
function forAjv(schema: unknown, inProperties = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => forAjv(s));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    // Under `properties` the keys are field names, not keywords.
    const key = !inProperties && k in FOR_AJV && typeof v !== 'object' ? FOR_AJV[k] : k;
    out[key] = forAjv(v, !inProperties && k === 'properties');
  }
  return out;
}

/**
 * Jackson reads a JSON `null` property as an absent one: optional fields accept it and required
 * ones report "must not be null". Array elements keep their nulls (Spring rejects those).
 */
export function dropNullProperties(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNullProperties);
  if (value === null || typeof value !== 'object') return value;
  // Only what JSON.parse builds; parsed multipart parts (buffers, streams) stay as they are.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNullProperties(v);
  return out;
}

const bodyAjv = newAjv();

export function compileBody(schema: object): (data: unknown) => { value?: unknown; error?: Error } {
  const validate: ValidateFunction = bodyAjv.compile(forAjv(schema) as object);
  return (data) => {
    if (data === undefined || data === null) return { error: errors.badRequest(messages.bodyMissing()) };
    const body = dropNullProperties(data);
    if (validate(body)) return { value: body };
    return { error: errors.badRequest(bodyErrorMessage(validate.errors![0], body)) };
  };
}

export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) => {
  if (httpPart === 'body') return compileBody(schema as object);
  return compileParams(schema as JsonSchema);
};
