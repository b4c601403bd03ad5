import crypto from 'node:crypto';
import { errors } from '../domain/errors.js';
import { durationOf, MAX_CHATS_LIMIT, resolveScenario } from './scenario.js';
import { Simulation, type SimulationDeps, type TimeMode } from './simulation.js';

/** What starting a run may say; everything but the business is optional. */
export interface StartRequest {
  businessId: number;
  preset?: string;
  scenario?: Record<string, unknown>;
  /** Overrides the scenario's duration: `10m`, `90s`, or milliseconds. */
  duration?: string | number;
  seed?: number;
  /** 1: the sandbox clock as it is; above 1: a virtual clock that many times faster. */
  speed?: number;
  maxChats?: number;
}

export const MAX_SPEED = 10_000;

/**
 * The runs of one server: at most one at a time (a sped-up run drives the sandbox clock, which
 * every business shares), and the last run of each business kept for its scorecard.
 */
export class SimulationRuns {
  private active: Simulation | null = null;
  private readonly last = new Map<number, Simulation>();

  constructor(private readonly deps: () => SimulationDeps) {}

  async start(req: StartRequest): Promise<Simulation> {
    if (this.active && !this.active.done) {
      throw errors.conflict(`A simulation is already running for business ${this.active.businessId}: stop it first (ymchat simulate stop)`);
    }
    const scenario = resolveScenario({ preset: req.preset, scenario: req.scenario });
    // The run's length and cap are the run's, not changes to the scenario (its name stays).
    if (req.duration !== undefined) scenario.durationMs = durationOf('duration', req.duration);
    if (req.maxChats !== undefined) {
      if (!Number.isInteger(req.maxChats) || req.maxChats < 1 || req.maxChats > MAX_CHATS_LIMIT) {
        throw errors.invalid(`'maxChats' must be a whole number from 1 to ${MAX_CHATS_LIMIT}, got ${req.maxChats}`);
      }
      scenario.maxChats = req.maxChats;
    }
    const speed = req.speed ?? 1;
    if (!Number.isFinite(speed) || speed < 1 || speed > MAX_SPEED) throw errors.invalid(`'speed' must be a number from 1 to ${MAX_SPEED}, got ${speed}`);
    const seed = req.seed ?? crypto.randomInt(1, 2 ** 31);
    if (!Number.isSafeInteger(seed) || seed < 0 || seed >= 2 ** 32) throw errors.invalid(`'seed' must be a whole number from 0 to 4294967295, got ${seed}`);
    const time: TimeMode = speed === 1 ? { kind: 'real' } : { kind: 'speed', factor: speed };
    const sim = await Simulation.create(this.deps(), { businessId: req.businessId, scenario, seed, time });
    this.active = sim;
    this.last.set(req.businessId, sim);
    return sim;
  }

  /** The running or last run of a business. */
  of(businessId: number): Simulation {
    const sim = this.last.get(businessId);
    if (!sim) throw errors.notFound('Simulation of business', businessId);
    return sim;
  }

  running(): Simulation | null {
    return this.active && !this.active.done ? this.active : null;
  }

  list(): Simulation[] {
    return [...this.last.values()];
  }

  /** Stops the running run, if any; returns it. */
  async stop(businessId?: number): Promise<Simulation | null> {
    const sim = this.running();
    if (!sim || (businessId !== undefined && sim.businessId !== businessId)) return null;
    await sim.stop();
    return sim;
  }
}

const registries = new WeakMap<object, SimulationRuns>();
/** The runs of one app, kept beside (not on) the object it is built around. */
export function simulationRunsOf(owner: object, deps: () => SimulationDeps): SimulationRuns {
  let r = registries.get(owner);
  if (!r) registries.set(owner, (r = new SimulationRuns(deps)));
  return r;
}
