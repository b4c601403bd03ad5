import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { parseDuration, type SandboxClock } from '../../clock.js';
import { errors } from '../../domain/errors.js';
import { parseInstant, saveClock } from '../../domain/sandbox-clock.js';
import type { Services } from '../../services.js';
import type { ClockView } from './answers.js';
import { controlRoute, time } from './kit.js';

export const CLOCK_ACTIONS = ['freeze', 'set', 'advance', 'resume', 'real'] as const;

export function clockView(clock: SandboxClock): ClockView {
  const now = clock.now();
  return { mode: clock.mode, frozen: clock.frozen, now: time(now), nowMs: now };
}

/**
 * The sandbox clock: real time by default; frozen, set or advanced on request. Timestamps, hourly
 * limit windows and the notification retry schedule all read it. Every change is saved in the
 * settings, so a restart keeps sandbox time, and announced, so every instance follows it.
 */
export function registerClockRoutes(app: FastifyInstance, services: Services): void {
  const clock = services.clock;
  controlRoute(app, { method: 'GET', url: '/clock' }, async () => clockView(clock));
  controlRoute(
    app,
    {
      method: 'POST',
      url: '/clock',
      body: Type.Object({
        action: Type.Enum([...CLOCK_ACTIONS]),
        /** freeze (optional) and set: epoch ms or ISO 8601 with an offset. */
        at: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
        /** advance: `+1h`, `30m`, `-2d`, `1500ms`. */
        by: Type.Optional(Type.String()),
      }),
    },
    async ({ body }) => {
      switch (body.action) {
        case 'freeze':
          clock.freeze(body.at === undefined ? clock.now() : parseInstant(body.at));
          break;
        case 'set':
          if (body.at === undefined) throw errors.invalid("'at' is required to set the clock");
          clock.set(parseInstant(body.at));
          break;
        case 'advance': {
          const ms = body.by === undefined ? null : parseDuration(body.by);
          if (ms === null) throw errors.invalid(`'by' must be a duration such as +1h, 30m, 2d, 90s or 1500ms, got '${body.by ?? ''}'`);
          clock.advance(ms);
          break;
        }
        case 'resume':
          clock.resume();
          break;
        case 'real':
          clock.reset();
          break;
      }
      await saveClock(services.storage.db, clock, services.storage.changes);
      return clockView(clock);
    },
  );
}
