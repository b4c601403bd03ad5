/**
 * What the partner's answer must look like (the notification API's SendNotificationResponse and
 * SendNotificationErrorResponse), checked by hand so the server does not need Market's files.
 */

export const PARTNER_ERROR_TYPES = ['UNKNOWN', 'WRONG_EVENT_FORMAT', 'DUPLICATED_EVENT'] as const;

const DATE_TIME =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt](?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** RFC 3339 date-time (JSON Schema's `format: date-time`), with a real calendar day. */
export function isDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why a 200 body is not a SendNotificationResponse, or null when it is one. */
export function successBodyProblem(body: unknown): string | null {
  if (!isPlainObject(body)) return 'the answer is not a JSON object';
  for (const field of ['version', 'name'] as const) {
    const v = body[field];
    if (v === undefined || v === null) return `'${field}' is missing`;
    if (typeof v !== 'string') return `'${field}' must be a string`;
    if (v.length < 1 || v.length > 100) return `'${field}' must be 1 to 100 characters long (got ${v.length})`;
  }
  const time = body.time;
  if (time === undefined || time === null) return "'time' is missing";
  if (typeof time !== 'string' || !isDateTime(time)) return `'time' must be an ISO 8601 date-time (got ${JSON.stringify(time)})`;
  return null;
}

/** The partner's refusal of a notification: `{"error":{"type","message"}}` with a known type. */
export function partnerError(body: unknown): { type: string; message: string } | null {
  if (!isPlainObject(body) || !isPlainObject(body.error)) return null;
  const { type, message } = body.error;
  if (typeof type !== 'string' || !(PARTNER_ERROR_TYPES as readonly string[]).includes(type)) return null;
  if (typeof message !== 'string') return null;
  return { type, message };
}
