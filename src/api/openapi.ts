import type { SwaggerOptions } from '@fastify/swagger';
import type { Config } from '../config.js';

/** ymchat's own OpenAPI document, generated from the route schemas. */
export function openApiOptions(_config: Config): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ymchat — Yandex Market Partner API, chat service',
        description: 'The chat methods of the Yandex Market Partner API, as served by ymchat.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          ApiKey: { type: 'apiKey', in: 'header', name: 'Api-Key' },
          OAuth: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  } as SwaggerOptions;
}
