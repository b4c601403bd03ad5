// `npm test`: build when sources changed, then run the whole Vitest suite on the Node.js that runs
// this script (the pinned one under `npm test`; CI also runs it directly with Node 22).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (args, env = {}) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
};

console.log(`ymchat tests on Node.js ${process.version}`);
let status = run([path.join(root, 'scripts', 'ensure-built.mjs')]);
if (status === 0) status = run([path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...process.argv.slice(2)]);
process.exit(status);
