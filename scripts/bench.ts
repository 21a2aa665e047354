/**
 * `npm run bench`: how MfaBot's status scales with tenant size (issues 7 and 16).
 *
 * Per size (1k, 10k, 100k users; 2% admins) three processes: a simulator child with the generated
 * tenant and 100 ms of latency per Graph request; a fresh MfaBot child (scripts/bench/measure.ts)
 * whose peak memory is therefore MfaBot's alone; and this process, which plays Teams (a local Bot
 * Connector and 100 conversations posting `status` at once). The MfaBot child runs compiled
 * JavaScript on plain node, as `npm start` does, not under tsx. Then `mfabot status` as a whole
 * process (the compiled CLI, built first) against the same tenant, and against a tenant of a million
 * users and 20,000 admins (scripts/bench/large.ts). Every status's critical path and the simulator's
 * share of its time come from the simulator's timeline. Prints the tables and writes the same figures
 * to bench-results/latest.json, to compare between commits. Then the 100k tenant once more under each
 * named fault of the simulated Graph (scripts/bench/faults.ts), printing the requests each fallback
 * costs. Exits 1 when a target is missed or a fault changes the totals.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { startFakeConnector } from '../test/support/connector';
import { burst } from './bench/burst';
import { faultLines, faultTotalsMatch, measureFault, type FaultResult } from './bench/faults';
import type { ChildMessage, MfaBotResult, ParentMessage } from './bench/measure';
import { checkLargeTargets, LARGE_SIZE, LARGE_TARGETS, largeLines, type LargeResult } from './bench/large';
import { checkTargets, floorText, LATENCY_MS, ratio, render, TARGETS, type SizeResult } from './bench/report';
import type { SimReady } from './bench/simulator';
import { measureWholeProcess } from './bench/wholeProcess';
import { GRAPH_FAULT_NAMES, type GraphFaultName } from '../src/sim/server';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'bench-results', 'latest.json');
const COMPILED_MEASURE = path.join(ROOT, 'test-output', 'bench', 'measure.js');
const SEED = 42;
const SIZES = [
  { users: 1_000, admins: 20 },
  { users: 10_000, admins: 200 },
  { users: 100_000, admins: 2_000 },
] as const;
/** The whole run, every size: five minutes on two cores. */
const DEADLINE_MS = 5 * 60_000;
/** Whole-process runs of `mfabot status` per tenant. */
const PROCESS_RUNS = 3;
/** The simulator child runs its TypeScript through tsx; its memory is not measured. */
const SIM_NODE_FLAGS = ['--require', 'tsx/cjs'];

function script(name: string): string {
  return path.join(ROOT, 'scripts', 'bench', name);
}

function withDeadline<T>(work: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what} did not finish in ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Compiles the MfaBot child to one CommonJS file; packages stay `require`d from node_modules as in
 * production. Inside the bundle no module is the program's entry point, so `require.main === module`
 * (src/index.ts starting a demo bot) must read false.
 */
async function compileMeasure(): Promise<void> {
  await build({
    entryPoints: [script('measure.ts')],
    outfile: COMPILED_MEASURE,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    define: { 'require.main': 'undefined' },
    logLevel: 'warning',
  });
}

/** The compiled CLI the whole-process runs start (`npm run build`). */
function buildCli(): void {
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('npm run build failed');
}

async function startSimulator(users: number, admins: number, faults: readonly GraphFaultName[] = []): Promise<{ proc: ChildProcess; ready: SimReady }> {
  const proc = spawn(process.execPath, [...SIM_NODE_FLAGS, script('simulator.ts'),
    '--users', String(users), '--admins', String(admins), '--seed', String(SEED), '--latency-ms', String(LATENCY_MS),
    ...faults.flatMap((f) => ['--fault', f])], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = new Promise<SimReady>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line) as SimReady);
    });
    proc.once('exit', (code) => reject(new Error(`the simulator exited with code ${code} before it was ready`)));
  });
  return { proc, ready: await withDeadline(ready, 90_000, 'starting the simulator', () => proc.kill('SIGKILL')) };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Runs the MfaBot child against `sim`, playing Teams when the bot is up. */
type MeasuredHere = Omit<SizeResult, 'users' | 'admins' | 'largestRoleAssignments' | 'floor' | 'wholeProcess'>;

async function measureMfaBot(sim: SimReady, remainingMs: number): Promise<MeasuredHere> {
  const proc = fork(COMPILED_MEASURE, [], { cwd: ROOT, execArgv: ['--disable-warning=DEP0111'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const connector = await startFakeConnector();
  try {
    const done = new Promise<MeasuredHere>((resolve, reject) => {
      let concurrency: SizeResult['concurrency'] | undefined;
      proc.on('message', (msg: ChildMessage) => {
        if (msg.type === 'botReady') {
          burst(msg.url, connector, sim.url, sim.tenantId).then((b) => {
            concurrency = b;
            proc.send({ type: 'burstDone' } satisfies ParentMessage);
          }, reject);
        } else if (msg.type === 'result') {
          if (!concurrency) reject(new Error('the MfaBot child finished before the concurrency check'));
          else resolve({ ...(msg.result satisfies MfaBotResult), concurrency });
        }
      });
      proc.once('exit', (code) => reject(new Error(`the MfaBot child exited with code ${code}`)));
    });
    proc.send({ type: 'start', sim } satisfies ParentMessage);
    return await withDeadline(done, remainingMs, 'measuring MfaBot', () => proc.kill('SIGKILL'));
  } finally {
    await stop(proc);
    await connector.close();
  }
}

/** The million-user tenant: only status as a whole process (the naive baseline would take minutes). */
async function measureLarge(): Promise<LargeResult> {
  const { users, admins } = LARGE_SIZE;
  process.stderr.write(`bench: ${users.toLocaleString('en-US')} users, ${admins.toLocaleString('en-US')} admins...\n`);
  const sim = await startSimulator(users, admins);
  try {
    return { users, admins, generateMs: sim.ready.generateMs, floor: sim.ready.floor, wholeProcess: await measureWholeProcess(sim.ready.url, PROCESS_RUNS) };
  } finally {
    await stop(sim.proc);
  }
}

async function measureSizes(started: number): Promise<SizeResult[]> {
  const results: SizeResult[] = [];
  for (const { users, admins } of SIZES) {
    process.stderr.write(`bench: ${users.toLocaleString('en-US')} users, ${admins.toLocaleString('en-US')} admins...\n`);
    const sim = await startSimulator(users, admins);
    try {
      const measured = await measureMfaBot(sim.ready, DEADLINE_MS - (Date.now() - started));
      const wholeProcess = await measureWholeProcess(sim.ready.url, PROCESS_RUNS);
      results.push({ users, admins, largestRoleAssignments: sim.ready.largestRoleAssignments, floor: sim.ready.floor, ...measured, wholeProcess });
    } finally {
      await stop(sim.proc);
    }
  }
  return results;
}

async function main(): Promise<void> {
  const started = Date.now();
  await compileMeasure();
  buildCli();
  const results = await measureSizes(started);
  const large = await measureLarge();
  // The largest tenant again under each named fault: what each fallback costs in requests.
  const largestSize = SIZES[SIZES.length - 1];
  const faults: FaultResult[] = [];
  for (const fault of GRAPH_FAULT_NAMES) {
    process.stderr.write(`bench: fault ${fault}...\n`);
    const sim = await startSimulator(largestSize.users, largestSize.admins, [fault]);
    try {
      faults.push(await withDeadline(measureFault(fault, sim.ready), DEADLINE_MS - (Date.now() - started), `the ${fault} run`, () => sim.proc.kill('SIGKILL')));
    } finally {
      await stop(sim.proc);
    }
  }
  const totalSeconds = Math.round((Date.now() - started) / 100) / 10;
  const meta = { node: process.version, cpus: cpus().length, totalSeconds };
  process.stdout.write(`${render(results, meta)}\n`);
  process.stdout.write(`\n${largeLines(large).join('\n')}\n`);
  const strict = results[results.length - 1]?.report;
  if (strict) process.stdout.write(`\n${faultLines(faults, strict, largestSize).join('\n')}\n`);
  process.stdout.write(`\nFinished in ${totalSeconds} s.\n`);

  const largest = results[results.length - 1];
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify({
    generatedAt: new Date().toISOString(),
    ...meta,
    latencyMs: LATENCY_MS,
    seed: SEED,
    sizes: results.map((r) => ({ ...r, ratio: ratio(r) })),
    targets: TARGETS,
    checks: largest ? checkTargets(largest) : [],
    floor: largest ? floorText(largest.floor, largest.users, largest.cold.timeline.criticalPath.length).join('\n') : '',
    large,
    largeTargets: LARGE_TARGETS,
    largeChecks: checkLargeTargets(large),
    faults,
  }, null, 2)}\n`);
  process.stdout.write(`Wrote ${path.relative(ROOT, OUT)}\n`);
  if (largest && checkTargets(largest).some((t) => !t.met)) process.exitCode = 1;
  if (checkLargeTargets(large).some((t) => !t.met)) process.exitCode = 1;
  // A fault may cost requests; it must never change what the card says.
  if (strict && !faultTotalsMatch(faults, strict)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
