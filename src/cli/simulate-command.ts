import fs from 'node:fs';
import path from 'node:path';
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import { CliError, ControlClient, DEFAULT_URL } from './client.js';
import { positiveId } from './kit.js';
import { scorecardHtml } from '../simulate/report-html.js';
import { progressLine, scorecardTable } from '../simulate/report-text.js';
import type { Scorecard } from '../simulate/scorecard.js';

/**
 * `ymchat simulate`: simulated buyers against a business, watched live, with the scorecard of the
 * seller's side printed at the end and written as JSON and HTML when asked.
 */

const POLL_MS = 500;
const PLAIN_PROGRESS_EVERY_MS = 10_000;

function wholeNumber(what: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${what} must be a number ≥ ${min}`);
    return n;
  };
}

function readScenario(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read scenario file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`scenario file ${file} is not JSON: ${(e as Error).message}`);
  }
}

const connection = (cmd: Command) =>
  cmd
    .addOption(new Option('--url <url>', `ymchat server (default ${DEFAULT_URL})`).env('YMCHAT_URL'))
    .addOption(new Option('--admin-token <token>', 'control API token (default: read from <data-dir>/admin-token)').env('YMCHAT_ADMIN_TOKEN'))
    .addOption(new Option('--data-dir <dir>', 'the server data folder holding admin-token (default ./data)').env('YMCHAT_DATA_DIR'));

function writeFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, content);
}

async function watch(client: ControlClient, businessId: number): Promise<Scorecard> {
  const url = `/businesses/${businessId}/simulation`;
  const tty = process.stderr.isTTY === true;
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping the simulation…\n');
    client.post(`${url}/stop`).catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lastPlain = 0;
  try {
    for (;;) {
      const sc = await client.get<Scorecard>(url);
      if (tty) process.stderr.write(`\r${progressLine(sc)}\x1b[K`);
      else if (Date.now() - lastPlain >= PLAIN_PROGRESS_EVERY_MS || sc.state !== 'running') {
        lastPlain = Date.now();
        process.stderr.write(progressLine(sc) + '\n');
      }
      if (sc.state !== 'running') {
        if (tty) process.stderr.write('\n');
        return sc;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function stopRun(client: ControlClient, businessId: number | undefined): Promise<string> {
  if (businessId !== undefined) {
    const sc = await client.post<Scorecard>(`/businesses/${businessId}/simulation/stop`);
    return `simulation of business ${sc.businessId}: ${sc.state}`;
  }
  const data = await client.post<{ stopped: { businessId: number; state: string }[] }>('/simulations/stop');
  return data.stopped.length === 0 ? 'no simulation is running' : data.stopped.map((x) => `simulation of business ${x.businessId}: ${x.state}`).join('\n');
}

export function registerSimulateCommand(program: Command): void {
  connection(
    program
      .command('simulate')
      .description('simulated buyers write to a business; scores how its integration answers (stop with Ctrl-C or `ymchat simulate stop`)')
      .addArgument(new Argument('[action]', 'stop: stop the running simulation; status: progress of the running or last one').choices(['stop', 'status']))
      .addOption(new Option('-b, --business <id>', 'business (cabinet) id').argParser(positiveId('business id')))
      .option('--preset <name>', 'steady (default), peak, returns or disputes')
      .option('--scenario <file>', 'a scenario JSON file (may name a "preset" and change some of its fields)')
      .option('--duration <time>', "sandbox time to run, e.g. 10m, 90s, 1h (default: the scenario's, 10m)")
      .option('--seed <n>', "seed of the buyers' choices: the same seed repeats the same run", wholeNumber('seed', 0))
      .option('--speed <n>', 'run on a virtual clock this many times faster than real time (default 1: the sandbox clock as it is)', wholeNumber('speed', 1))
      .option('--max-chats <n>', 'new chats per run, at most', positiveId('max chats'))
      .option('--json <file>', 'write the scorecard (with every buyer action) as JSON')
      .option('--html <file>', 'write the scorecard as a self-contained HTML report with charts'),
  ).action(async (action: 'stop' | 'status' | undefined, opts) => {
    const client = ControlClient.from(opts);
    if (action === 'stop') {
      process.stdout.write((await stopRun(client, opts.business)) + '\n');
      return;
    }
    if (opts.business === undefined) throw new CliError("required option '-b, --business <id>' not specified");
    if (action === 'status') {
      const sc = await client.get<Scorecard>(`/businesses/${opts.business}/simulation`);
      process.stdout.write(`${progressLine(sc)}\n${scorecardTable(sc)}\n`);
      return;
    }
    const body: Record<string, unknown> = {};
    if (opts.scenario) body.scenario = readScenario(opts.scenario);
    if (opts.preset) body.preset = opts.preset;
    if (opts.duration) body.duration = opts.duration;
    if (opts.seed !== undefined) body.seed = opts.seed;
    if (opts.speed !== undefined) body.speed = opts.speed;
    if (opts.maxChats !== undefined) body.maxChats = opts.maxChats;
    const started = await client.post<Scorecard>(`/businesses/${opts.business}/simulation`, body);
    process.stderr.write(
      `simulating ${started.scenario.name} buyers on business ${started.businessId} (seed ${started.seed}` +
        (started.time.mode === 'speed' ? `, ${started.time.speed}× speed` : '') +
        `); Ctrl-C stops\n`,
    );
    await watch(client, opts.business);
    const sc = await client.get<Scorecard>(`/businesses/${opts.business}/simulation/scorecard`, { actions: 'true' });
    process.stdout.write(scorecardTable(sc) + '\n');
    if (opts.json) {
      writeFile(opts.json, JSON.stringify(sc, null, 2) + '\n');
      process.stdout.write(`scorecard written to ${opts.json}\n`);
    }
    if (opts.html) {
      writeFile(opts.html, scorecardHtml(sc));
      process.stdout.write(`report written to ${opts.html}\n`);
    }
    if (sc.state === 'failed') process.exitCode = 1;
  });
}
