import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMsk, formatUtc } from '../../src/clock.js';

/** The plain definition: the Moscow wall clock to the second, with its offset. */
const reference = (ms: number) => new Date(Math.floor(ms / 1000) * 1000 + 3 * 3_600_000).toISOString().slice(0, 19) + '+03:00';

describe('formatMsk', () => {
  it('writes Moscow time to the second', () => {
    expect(formatMsk(Date.parse('2026-11-21T07:00:00.999Z'))).toBe('2026-11-21T10:00:00+03:00');
    expect(formatMsk(Date.parse('2026-12-31T21:00:00Z'))).toBe('2027-01-01T00:00:00+03:00');
    expect(formatMsk(Date.parse('2026-12-31T20:59:59.5Z'))).toBe('2026-12-31T23:59:59+03:00');
    expect(formatMsk(0)).toBe('1970-01-01T03:00:00+03:00');
  });

  it('agrees with the definition at any moment, in any order of calls', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -62_000_000_000_000, max: 250_000_000_000_000 }), { minLength: 1, maxLength: 20 }), (moments) => {
        for (const ms of moments) expect(formatMsk(ms)).toBe(reference(ms));
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatUtc', () => {
  it('writes what toISOString writes, at any moment, in any order of calls', () => {
    expect(formatUtc(Date.parse('2026-11-21T07:00:00.009Z'))).toBe('2026-11-21T07:00:00.009Z');
    expect(formatUtc(-1)).toBe('1969-12-31T23:59:59.999Z');
    expect(formatUtc(0.5)).toBe(new Date(0.5).toISOString());
    expect(() => formatUtc(Number.NaN)).toThrow(RangeError);
    // Every moment Date can hold (far years take Date's own path), then the years answers carry.
    for (const [min, max] of [[-8_640_000_000_000_000, 8_640_000_000_000_000], [0, 4_102_444_800_000]]) {
      fc.assert(
        fc.property(fc.array(fc.integer({ min, max }), { minLength: 1, maxLength: 20 }), (moments) => {
          for (const ms of moments) expect(formatUtc(ms)).toBe(new Date(ms).toISOString());
        }),
        { numRuns: 300 },
      );
    }
  });
});
