import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/services.js';
import { testConfig } from '../../src/config.js';
import { openTestStorage } from '../helpers/app.js';

const SRC = path.resolve('src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of a file, type-only ones included: a cycle of types is still a cycle to untangle. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g)) {
    out.push(path.resolve(path.dirname(file), m[1].replace(/\.js$/, '.ts')));
  }
  return out;
}

/** Every cycle in the import graph, each as the list of files on it (Tarjan's strongly connected components). */
function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t !== f)]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(path.relative(SRC, w));
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

describe('the structure of src/', () => {
  it('has no import cycle', () => {
    expect(cycles(sources(SRC))).toEqual([]);
  });

  it('builds its services once: the object and what it holds are never reassigned', async () => {
    const db = await openTestStorage();
    try {
      const services = createServices(testConfig({ dataDir: db.dataDir }), db.storage);
      expect(Object.isFrozen(services)).toBe(true);
      expect(() => {
        (services as any).clock = null;
      }).toThrow(TypeError);
    } finally {
      await db.dispose();
    }
    // Nothing in src/ assigns to a field of the services (`services.x = …`, `services.x ??= …`).
    const assigning = sources(SRC).filter((f) => /\bservices\.\w+\s*(\?\?|\|\||&&)?=(?!=)/.test(fs.readFileSync(f, 'utf8')));
    expect(assigning.map((f) => path.relative(SRC, f))).toEqual([]);
  });
});
