import { spawnSync } from 'node:child_process';
import { beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../notify/build.js';

let built = false;
beforeAll(() => {
  built = ensureBuilt();
  if (!built) console.log('[skip] node:test example: dist/ could not be built');
}, 180_000);

// The node:test example imports the built package by its own name (ymchat/testing), as a user's
// project would; it runs in node's own test runner, in a process of its own.
it('the node:test example passes under node --test', (ctx) => {
  if (!built) return ctx.skip();
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'examples/node-test/*.test.mjs'], { encoding: 'utf8', timeout: 120_000 });
  expect(r.stdout + r.stderr).toMatch(/# pass [1-9]/);
  expect(r.stdout).toMatch(/# fail 0/);
  expect(r.status).toBe(0);
}, 130_000);
