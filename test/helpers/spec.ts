import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import YAML from 'yaml';

/** Market's official OpenAPI files, beside the project as ../shared/spec (absent on some machines). */
export const SPEC_DIR = path.resolve(process.cwd(), '../shared/spec');
export const PARTNER_DIR = path.join(SPEC_DIR, 'partner-api-openapi');
export const OVERLAY_DIR = path.join(SPEC_DIR, 'partner-api-overlay-116389b');
export const NOTIFICATION_DIR = path.join(SPEC_DIR, 'notification-api-openapi');
export const specAvailable = fs.existsSync(path.join(PARTNER_DIR, 'openapi.yaml'));

let skipPrinted = false;
export function noteSpecSkip(): void {
  if (!specAvailable && !skipPrinted) {
    skipPrinted = true;
    console.log(`[skip] conformance tests: Market's OpenAPI files are not at ${SPEC_DIR}`);
  }
}

const fileCache = new Map<string, unknown>();

/** Reads a spec file, preferring the newer overlay copy of the same schema where there is one. */
function readYaml(file: string): unknown {
  let real = file;
  const rel = path.relative(PARTNER_DIR, file);
  if (!rel.startsWith('..')) {
    const overlay = path.join(OVERLAY_DIR, rel);
    if (fs.existsSync(overlay)) real = overlay;
  }
  if (!fileCache.has(real)) fileCache.set(real, YAML.parse(fs.readFileSync(real, 'utf8')));
  return fileCache.get(real);
}

function pointer(doc: unknown, frag: string): unknown {
  let cur: any = doc;
  for (const seg of frag.split('/').filter(Boolean)) cur = cur?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

/** Resolves every relative `$ref` across files into one tree (chat schemas are not recursive). */
function resolve(node: unknown, file: string, depth = 0): any {
  if (depth > 60) throw new Error('schema too deep (recursive $ref?)');
  if (Array.isArray(node)) return node.map((n) => resolve(n, file, depth + 1));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string') {
    const [target, frag] = obj.$ref.split('#');
    const targetFile = target ? path.resolve(path.dirname(file), target) : file;
    const resolved = frag ? pointer(readYaml(targetFile), frag) : readYaml(targetFile);
    const { $ref: _r, ...siblings } = obj;
    return { ...resolve(resolved, targetFile, depth + 1), ...resolve(siblings, file, depth + 1) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = resolve(v, file, depth + 1);
  return out;
}

/** `allOf` of objects as one object: their properties and `required` lists put together. */
export function mergeAllOf(s: any): any {
  if (!Array.isArray(s.allOf) || !s.allOf.every((p: any) => p.type === 'object' || p.properties)) return s;
  const merged: any = { ...s, type: 'object', properties: {}, required: [] };
  delete merged.allOf;
  for (const part of s.allOf) {
    Object.assign(merged.properties, part.properties ?? {});
    merged.required.push(...(part.required ?? []));
  }
  Object.assign(merged.properties, s.properties ?? {});
  merged.required.push(...(s.required ?? []));
  return merged;
}

/**
 * Makes the schema strict for checking an emulator: `allOf` of objects is merged into one object,
 * and every object refuses properties the schema does not name.
 */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  let s: any = {};
  for (const [k, v] of Object.entries(schema)) s[k] = k === 'example' || k === 'examples' ? v : strict(v);
  s = mergeAllOf(s);
  if (s.type === 'object' && s.properties && s.additionalProperties === undefined) s.additionalProperties = false;
  return s;
}

const ajv = new Ajv({ strict: false, allErrors: true });
for (const f of ['int64', 'int32', 'binary', 'date', 'url', 'uri']) ajv.addFormat(f, true);
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
ajv.addKeyword({ keyword: 'example' });

/** The official response schema of an operation for one status, strict. */
export function responseValidator(pathFile: string, method: string, status: number): ValidateFunction {
  const file = path.join(PARTNER_DIR, 'paths', pathFile);
  const op = (readYaml(file) as any)[method.toLowerCase()];
  if (!op) throw new Error(`${pathFile} has no ${method}`);
  const response = resolve(op.responses[String(status)], file);
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${pathFile} ${method} declares no JSON schema for ${status}`);
  return ajv.compile(strict(schema));
}

/** A schema file of the notification API, resolved and strict. */
export function notificationValidator(schemaFile: string): ValidateFunction {
  const file = path.join(NOTIFICATION_DIR, 'components', 'schemas', schemaFile);
  return ajv.compile(strict(resolve(readYaml(file), file)));
}

export function explain(v: ValidateFunction): string {
  return ajv.errorsText(v.errors, { separator: '\n' });
}

/** One operation of Market's spec with every `$ref` resolved, found by its path and method. */
export function marketOperation(apiPath: string, method: string): any {
  const root = readYaml(path.join(PARTNER_DIR, 'openapi.yaml')) as any;
  const entry = root.paths?.[apiPath];
  if (!entry) return undefined;
  const file = entry.$ref ? path.join(PARTNER_DIR, entry.$ref) : path.join(PARTNER_DIR, 'openapi.yaml');
  const item = entry.$ref ? readYaml(file) : entry;
  const op = (item as any)[method.toLowerCase()];
  return op ? resolve(op, file) : undefined;
}

/** Market's document root: info, servers, security schemes (refs left as they are). */
export function marketRoot(): any {
  return readYaml(path.join(PARTNER_DIR, 'openapi.yaml'));
}
