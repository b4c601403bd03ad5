import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { PG_URL, TEST_DIALECT, tempDir, testSchemaPrefix } from './app.js';

export const CLI = path.resolve('dist/cli/main.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Prefix of the PostgreSQL schemas real processes of this test run live in (dropped at the end). */
export const spawnedSchemaPrefix = testSchemaPrefix;

/**
 * The PostgreSQL schema of a server started over `dataDir`: the same folder means the same
 * schema, so a test that restarts a server over its data finds it again, as with SQLite.
 */
export function schemaForDataDir(dataDir: string): string {
  return spawnedSchemaPrefix() + crypto.createHash('sha1').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
}

/**
 * The database flags of a test server: none on SQLite; on the PostgreSQL pass the test database
 * with a schema of its own (unless the test names its database itself).
 */
export function databaseArgs(args: string[]): string[] {
  if (TEST_DIALECT !== 'postgres' || args.includes('--database')) return [];
  const i = args.indexOf('--data-dir');
  const dir = i >= 0 ? args[i + 1] : crypto.randomBytes(6).toString('hex');
  return ['--database', PG_URL, '--pg-schema', schemaForDataDir(dir)];
}

/**
 * Runs `ymchat serve` as a real process and waits for its banner. Needs `npm run build` first.
 * `command` runs another ymchat (an installed package's bin) instead of this checkout's build.
 */
export async function spawnServer(args: string[], env: Record<string, string> = {}, command: string[] = [process.execPath, CLI]): Promise<ServerProcess> {
  const [file, ...pre] = command;
  const child = spawn(file, [...pre, 'serve', '--port', '0', '--log-level', 'warn', ...databaseArgs(args), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    // Generous: several servers may start at once on a busy machine.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, 60_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `ymchat` binary; env is cleared of YMCHAT_* so only the given flags and `env` count. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('YMCHAT_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * A demo server process for the enclosing describe block, on a data folder of its own, with the
 * flags that let the CLI find it and its token (`conn`).
 */
export function demoServerProcess(extraArgs: string[] = []): { readonly dir: string; readonly server: ServerProcess; readonly conn: string[] } {
  const dir = tempDir();
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    server = await spawnServer(['--demo', '--data-dir', dir, ...extraArgs]);
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    get server() {
      if (!server) throw new Error('the server starts in beforeAll');
      return server;
    },
    get conn() {
      return ['--url', this.server.url, '--data-dir', dir];
    },
  };
}
