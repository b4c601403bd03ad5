import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI } from '../helpers/process.js';

/** Builds dist/ when a source is newer than it (`npm test` builds first, so usually nothing to do). */
export function ensureBuilt(): boolean {
  try {
    execFileSync(process.execPath, [path.resolve('scripts/ensure-built.mjs')], { stdio: 'pipe', timeout: 170_000 });
  } catch {
    // whether dist/ is usable is checked below
  }
  return fs.existsSync(CLI);
}
