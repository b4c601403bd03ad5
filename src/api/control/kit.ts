import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { formatUtc } from '../../clock.js';
import { errors } from '../../domain/errors.js';
import type { Chat } from '../../domain/model.js';
import type { Config } from '../../config.js';
import { chatDto } from '../presenters.js';

/**
 * What every control route shares: id schemas, the time format, the chat and message views, and
 * `controlRoute`, which keeps the routes out of the partner OpenAPI document and refuses unknown
 * body fields by name.
 */

export const Id = Type.Integer({ format: 'int64', minimum: 1 });
export const idParams = <K extends string>(name: K) => Type.Object({ [name]: Id } as { [P in K]: typeof Id });

/** Control API times: ISO 8601 UTC with milliseconds, as the notification control routes give them. */
export function time(ms: number): string;
export function time(ms: number | null): string | null;
export function time(ms: number | null): string | null {
  return ms === null ? null : formatUtc(ms);
}

/** Chats and messages look as the partner API shows them, plus the business and DIRECT subject. */
export function chatView(chat: Chat, config: Config) {
  return { ...chatDto(chat, config), businessId: chat.businessId, subject: chat.subject };
}

/** Anything with a creation time, shown with control API times. */
export type Stamped<T extends { createdAt: number }> = Omit<T, 'createdAt'> & { createdAt: string };
export const stamped = <T extends { createdAt: number }>(o: T): Stamped<T> => ({ ...o, createdAt: time(o.createdAt) });

export interface ControlRouteDef<P extends TSchema, Q extends TSchema, B extends TSchema> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  params?: P;
  querystring?: Q;
  body?: B;
  /** Answer 201 instead of 200. */
  created?: boolean;
  /** Bytes the body may have, when JSON's default 512 KB is not enough. */
  bodyLimit?: number;
  consumes?: string[];
}

export interface ControlCall<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

function refuseUnknownFields(schema: TSchema | undefined, body: unknown): void {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!props || body === null || typeof body !== 'object' || Array.isArray(body)) return;
  const known = Object.keys(props);
  const unknown = Object.keys(body).find((k) => !known.includes(k));
  if (unknown !== undefined) throw errors.invalid(`'${unknown}' is not a field of this request (fields: ${known.join(', ')})`);
}

export function controlRoute<P extends TSchema = TSchema, Q extends TSchema = TSchema, B extends TSchema = TSchema>(
  app: FastifyInstance,
  def: ControlRouteDef<P, Q, B>,
  handler: (call: ControlCall<Static<P>, Static<Q>, Static<B>>) => Promise<unknown>,
): void {
  app.route({
    method: def.method,
    url: def.url,
    ...(def.bodyLimit ? { bodyLimit: def.bodyLimit } : {}),
    schema: {
      hide: true,
      tags: ['sandbox'],
      ...(def.params ? { params: def.params } : {}),
      ...(def.querystring ? { querystring: def.querystring } : {}),
      ...(def.body ? { body: def.body } : {}),
      ...(def.consumes ? { consumes: def.consumes } : {}),
    } as object,
    handler: async (request, reply) => {
      refuseUnknownFields(def.body, request.body);
      const out = await handler({
        params: request.params as Static<P>,
        query: request.query as Static<Q>,
        body: request.body as Static<B>,
        request,
        reply,
      });
      if (def.created) reply.code(201);
      return out;
    },
  });
}
