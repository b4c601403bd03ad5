import { DEMO } from '../../src/domain/demo.js';

export { DEMO };
export const KEY = DEMO.keys.communication;
export const BIZ = DEMO.businessId;

export const apiKey = (key: string = KEY) => ({ 'api-key': key });

export function errorBody(code: string, message: string) {
  return { status: 'ERROR', errors: [{ code, message }] };
}
