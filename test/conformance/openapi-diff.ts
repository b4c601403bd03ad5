/**
 * A structural diff of two OpenAPI operations, after both are put in one shape: `$ref`s resolved,
 * `allOf` of objects merged, prose and vendor keys left out, `required` sorted, an `enum`
 * without `type` given the type of its values. Each difference is one line naming where it is.
 */

import { mergeAllOf } from '../helpers/spec.js';

const DROPPED = new Set(['description', 'summary', 'example', 'examples', 'title', 'externalDocs', 'tags', 'operationId', 'security']);

export function normalize(schema: any): any {
  if (Array.isArray(schema)) return schema.map(normalize);
  if (schema === null || typeof schema !== 'object') return schema;
  let s: any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (DROPPED.has(k) || k.startsWith('x-')) continue;
    s[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, normalize(ps)])) : normalize(v);
  }
  s = mergeAllOf(s);
  // `nullable: false` is the default and says nothing.
  if (s.nullable === false) delete s.nullable;
  if (Array.isArray(s.required)) {
    s.required = [...new Set(s.required as string[])].sort();
    if (s.required.length === 0) delete s.required;
  }
  if (s.properties && Object.keys(s.properties).length > 0 && s.type === undefined) s.type = 'object';
  if (Array.isArray(s.enum) && s.type === undefined) s.type = typeof s.enum[0] === 'number' ? 'number' : 'string';
  return s;
}

export function diff(ours: unknown, market: unknown, where: string, out: string[]): void {
  if (JSON.stringify(ours) === JSON.stringify(market)) return;
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(ours) && isObj(market)) {
    const a = ours as Record<string, unknown>;
    const b = market as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(k in b)) out.push(`${where}/${k}: only ymchat has it`);
      else if (!(k in a)) out.push(`${where}/${k}: only Market has it`);
      else diff(a[k], b[k], `${where}/${k}`, out);
    }
    return;
  }
  out.push(`${where}: ymchat ${JSON.stringify(ours)}, Market ${JSON.stringify(market)}`);
}

/** Parameters keyed by `in:name`, so order does not matter. */
export function parameters(list: any[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((p) => [`${p.in}:${p.name}`, normalize(p)]));
}
