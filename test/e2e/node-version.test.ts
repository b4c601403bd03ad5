import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/process.js';

// An old Node.js somewhere on the machine, outside the pinned runtime (these machines ship 20).
function oldNode(): string | null {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!fs.existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
    if (Number(version.slice(1).split('.')[0]) < 22) return candidate;
  }
  return null;
}

const node = fs.existsSync(CLI) ? oldNode() : null;
if (!node) console.log('[skip] Node.js < 22 start-up test: no built dist/ or no Node.js older than 22 on this machine');

describe.skipIf(!node)('ymchat started directly on Node.js < 22', () => {
  it('refuses with one line naming the required version, not a native crash', () => {
    const r = spawnSync(node!, [CLI, 'serve', '--port', '0', '--data-dir', '/nonexistent'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ymchat: Node\.js 22 or newer is required \(this is v\d+\./);
  });
});
