import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import swagger from '@fastify/swagger';
import { AppError } from './domain/errors.js';
import { isOutage, OutageError } from './storage/outage.js';
import { LimitError } from './limits/limiter.js';
import type { Services } from './services.js';
import { REASON_PHRASES, envelope, formatError } from './api/errors.js';
import { validatorCompiler } from './api/validation.js';
import { MAX_BODY_BYTES, registerBodyParsers } from './api/body-parsers.js';
import { PartnerRouter, settleTicket, showQuotaOnRefusal } from './api/partner/route.js';
import { setRateHeaders } from './api/partner/stages.js';
import { registerPartnerOperations } from './api/partner/index.js';
import { openApiOptions } from './api/openapi.js';
import { MAX_PARAM_LENGTH, clientErrorHandler, frameworkErrors } from './api/transport-errors.js';
import { checkAdminToken, isControlPath, registerControlApi } from './api/control/index.js';
import { registerConsole } from './api/console.js';
import { registerFileDownloads, registerUploads } from './api/files.js';
import { registerAnswerCounter } from './api/partner-answers.js';
import { registerRequestJournal } from './api/request-journal.js';

export interface AppOptions {
  /** pino logger options, or false for none. */
  logger?: boolean | object;
}

/** `.json` after a path means the same resource, as on Market. */
function stripFormatSuffix(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (!path.endsWith('.json') || !path.startsWith('/v2/')) return url;
  return path.slice(0, -'.json'.length) + (q === -1 ? '' : url.slice(q));
}

/**
 * Fastify's own two lines per request cost more than a whole getChat: they are dropped, failures
 * stay logged, and the one line per request is written by a hook when asked (debug).
 */
class FailuresOnly extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) super.requestCompleted(error, request, reply);
  }
}

/** Levels at which every request gets its one log line; above them only errors and events are logged. */
const REQUEST_LOG_LEVELS = new Set(['debug', 'trace']);

/** Builds the whole HTTP face (no listen), over services the caller owns. */
export async function buildApp(services: Services, opts: AppOptions = {}): Promise<FastifyInstance> {
  const logRequests = opts.logger !== undefined && opts.logger !== false && REQUEST_LOG_LEVELS.has(services.config.logLevel);
  const app = Fastify({
    logger:
      opts.logger === undefined || opts.logger === false
        ? false
        : {
            level: services.config.logLevel,
            redact: ['req.headers["api-key"]', 'req.headers.authorization', 'req.headers["x-admin-token"]'],
            ...(typeof opts.logger === 'object' ? opts.logger : {}),
          },
    logController: new FailuresOnly(),
    // A child logger per request is only worth its allocation when requests are logged.
    ...(logRequests ? {} : { childLoggerFactory: (logger: any) => logger }),
    bodyLimit: MAX_BODY_BYTES,
    rewriteUrl: (req) => stripFormatSuffix(req.url ?? '/'),
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: MAX_PARAM_LENGTH },
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
  });

  app.setValidatorCompiler(validatorCompiler);
  registerBodyParsers(app);
  registerUploads(app);
  await app.register(swagger, openApiOptions(services.config));

  app.setErrorHandler(async (err: FastifyError | AppError, req, reply) => {
    let out;
    if (err instanceof AppError) {
      if (err instanceof LimitError && err.headers) setRateHeaders(reply, err.headers);
      out = formatError(err);
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      out = envelope('BAD_REQUEST', { message: `The request is too big: more than ${MAX_BODY_BYTES} bytes` });
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      out = envelope('UNSUPPORTED_MEDIA_TYPE', { contentType: String(req.headers['content-type'] ?? '') });
    } else if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      out = envelope('BAD_REQUEST', { message: 'Required request body is missing' });
    } else if (err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      out = envelope('BAD_REQUEST', { message: 'Request body size did not match Content-Length' });
    } else if (isOutage(err)) {
      // The database or Redis is away or slow: Market's 503, one log line per outage.
      services.storage.incidents.failure(err instanceof OutageError ? err.service : 'database', err);
      out = envelope('SERVICE_UNAVAILABLE');
    } else if (typeof (err as FastifyError).statusCode === 'number' && (err as FastifyError).statusCode! >= 400 && (err as FastifyError).statusCode! < 500) {
      req.log.info({ err }, 'client error');
      out = envelope('BAD_REQUEST', { message: err.message });
    } else {
      req.log.error({ err }, 'unexpected failure');
      out = envelope('INTERNAL');
    }
    await showQuotaOnRefusal(services, req, reply);
    return reply.code(out.statusCode).send(out.body);
  });

  const partner = new PartnerRouter(app, services);
  app.setNotFoundHandler(async (req, reply) => {
    // The control API's paths are not listed to callers without its token.
    if (isControlPath(req.url)) checkAdminToken(services, req.headers);
    await partner.answerUnrouted(req, reply);
    const out = envelope('RESOURCE_NOT_FOUND');
    return reply.code(out.statusCode).send(out.body);
  });

  app.addHook('onSend', (_req, reply, payload, done) => {
    const phrase = REASON_PHRASES[reply.statusCode];
    if (phrase) reply.raw.statusMessage = phrase;
    done(null, payload);
  });
  // First among the onResponse hooks: they are synchronous and cheap, and must not wait behind
  // settling (database round trips on PostgreSQL) to see the call.
  registerAnswerCounter(app, services);
  registerRequestJournal(app, services);
  // Settling is best effort: during an outage the quota give-back fails like the request did.
  const settle = (req: FastifyRequest, status: number) =>
    settleTicket(services, req, status).catch((err) => {
      if (isOutage(err)) services.storage.incidents.failure(err instanceof OutageError ? err.service : 'database', err);
      else req.log.error({ err }, 'could not settle the limits of a request');
    });
  app.addHook('onResponse', async (req, reply) => settle(req, reply.statusCode));
  if (logRequests) {
    app.addHook('onResponse', async (req, reply) => {
      req.log.debug({ method: req.method, url: req.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
    });
  }
  app.addHook('onRequestAbort', async (req) => settle(req, 499));
  // A write through any face may change what the console shows: the live feed looks at once.
  app.addHook('onResponse', (req, _reply, done) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') services.live.nudge();
    done();
  });

  registerPartnerOperations(partner);
  partner.finish();
  registerFileDownloads(app, services);
  await registerControlApi(app, services);
  registerConsole(app);

  app.get('/openapi.json', { schema: { hide: true } as any }, async () => app.swagger());
  app.get('/', { schema: { hide: true } as any }, async (_req, reply) => reply.redirect('/console', 302));
  app.get('/health', { schema: { hide: true } as any }, async () => ({ status: 'OK' }));
  return app;
}
