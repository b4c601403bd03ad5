import type { SwaggerOptions } from '@fastify/swagger';
import type { Config } from '../config.js';
import { DOCUMENTED_BODY } from './partner/route.js';

/** Where the document says ymchat answers: the public URL when set, else the address it listens on. */
function serverUrl(config: Config): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

/**
 * ymchat's own OpenAPI document, generated from the route schemas. Security schemes are declared
 * as in Market's spec (OAuth as `oauth2` with the app scope `market:partner-api`), so generated
 * clients send credentials the same way to both.
 */
export function openApiOptions(config: Config): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ymchat — Yandex Market Partner API, chat service',
        description: 'The chat methods of the Yandex Market Partner API, as served by ymchat.',
        version: '0.1.0',
        license: { name: 'MIT', url: 'https://opensource.org/license/mit/' },
      },
      servers: [{ url: serverUrl(config), description: 'ymchat sandbox' }],
      components: {
        securitySchemes: {
          ApiKey: { type: 'apiKey', name: 'Api-Key', in: 'header' },
          OAuth: {
            type: 'oauth2',
            flows: {
              implicit: {
                authorizationUrl: 'https://oauth.yandex.ru/authorize',
                scopes: { 'market:partner-api': 'API Яндекс.Маркета / Поиска по товарам для партнеров' },
              },
            },
          },
        },
      },
    },
    // Market marks a deprecated parameter itself; @fastify/swagger leaves the mark in its schema.
    transformObject: (doc) => {
      const openapi = (doc as { openapiObject: { paths?: Record<string, Record<string, { parameters?: any[] }>> } }).openapiObject;
      for (const item of Object.values(openapi.paths ?? {})) {
        for (const op of Object.values(item)) {
          for (const p of op.parameters ?? []) {
            if (p.schema?.deprecated) {
              p.deprecated = true;
              delete p.schema.deprecated;
            }
          }
        }
      }
      return openapi;
    },
    // A multipart body is read by its handler, not validated by the route: it enters the
    // document here, as a required body of the route's declared content type.
    transform: ({ schema, url }) => {
      const documented = (schema as Record<string, unknown> | undefined)?.[DOCUMENTED_BODY];
      if (!schema || !documented) return { schema, url };
      const { [DOCUMENTED_BODY]: _omit, ...rest } = schema as Record<string, unknown>;
      const body = { ...(documented as object), required: Object.keys((documented as { properties: object }).properties) };
      return { schema: { ...rest, body } as typeof schema, url };
    },
  } as SwaggerOptions;
}
