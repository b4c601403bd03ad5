// `npm test`: build when sources changed, then run the whole Vitest suite on the Node.js that runs
// this script (the pinned one under `npm test`; CI also runs it directly with Node 22).
// Pass 1 runs every test on SQLite (storage tests loop over both databases themselves). Pass 2,
// where YMCHAT_TEST_PG_URL is set, runs the HTTP, scenario, notification and CLI suites again on
// PostgreSQL (YMCHAT_TEST_DIALECT=postgres), so no behaviour is checked on one database only.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (args, env = {}) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
};
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = process.argv.slice(2);
// Folders of the second pass; test/storage and the Redis store's own test already cover both.
const PG_FOLDERS = ['test/api', 'test/scenarios', 'test/notify', 'test/cli', 'test/e2e', 'test/races', 'test/resilience', 'test/instances'];

console.log(`ymchat tests on Node.js ${process.version}`);
const built = run([path.join(root, 'scripts', 'ensure-built.mjs')]);
if (built !== 0) process.exit(built);
// The build only transpiles (scripts/ensure-built.mjs): the types of src/ and test/ are checked here.
console.log('\n=== type check: tsc -p tsconfig.test.json --noEmit ===\n');
const typed = run([path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.test.json'), '--noEmit']);
if (typed !== 0) {
  console.log('\n=== type check FAILED: no tests run ===');
  process.exit(typed);
}
console.log('\n=== pass 1 of 2: every test, HTTP suites on SQLite ===\n');
const first = run([vitest, 'run', ...args], { YMCHAT_TEST_DIALECT: 'sqlite' });
let second = 0;
if (!process.env.YMCHAT_TEST_PG_URL) {
  console.log('\n=== pass 2 of 2 skipped: YMCHAT_TEST_PG_URL is not set, so the HTTP suites ran on SQLite only ===');
} else {
  // Runs even after a failed first pass: a failure on one database only is worth knowing.
  console.log(`\n=== pass 2 of 2: HTTP, scenario, notification and CLI suites on PostgreSQL (${PG_FOLDERS.join(' ')}) ===\n`);
  second = run([vitest, 'run', ...(args.length > 0 ? args : PG_FOLDERS)], { YMCHAT_TEST_DIALECT: 'postgres' });
}
console.log(`\n=== pass 1 (SQLite): ${first === 0 ? 'passed' : 'FAILED'}; pass 2 (PostgreSQL): ${!process.env.YMCHAT_TEST_PG_URL ? 'skipped' : second === 0 ? 'passed' : 'FAILED'} ===`);
process.exit(first !== 0 ? first : second);
