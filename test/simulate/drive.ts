import { answerCountsOf } from '../../src/simulate/answer-counts.js';
import { resolveScenario } from '../../src/simulate/scenario.js';
import { Simulation } from '../../src/simulate/simulation.js';
import type { TestApp } from '../helpers/app.js';

/** A run on the test app's frozen clock, moved only by `drive`: deterministic and fast. */
export async function manualRun(t: TestApp, opts: { businessId: number; preset?: string; scenario?: Record<string, unknown>; seed: number }) {
  return Simulation.create(
    {
      storage: t.services.storage,
      clock: t.services.clock,
      actions: t.services.actions,
      answers: (b) => answerCountsOf(t.services).snapshot(b),
    },
    { businessId: opts.businessId, scenario: resolveScenario({ preset: opts.preset, scenario: opts.scenario }), seed: opts.seed, time: { kind: 'manual' } },
  );
}

/**
 * Runs to the end: after every buyer action the clock moves on `reactAfterMs` and the seller's
 * side (`react`) gets its turn, so the seller answers that long after the buyer wrote.
 */
export async function drive(sim: Simulation, react: () => Promise<void>, reactAfterMs = 150): Promise<void> {
  while (!sim.done) {
    await sim.advanceTo(sim.nextActionAt() ?? sim.endsAt);
    await sim.advanceBy(reactAfterMs);
    if (!sim.done) await react();
  }
}
