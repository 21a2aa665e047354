/**
 * Status as a whole process, the way a person runs it: `mfabot status --graph-url URL --json` from
 * the compiled CLI (`npm run build`), started fresh each time, timed from spawn to exit, with its
 * peak memory (scripts/bench/rss.cjs) and what the simulator's timeline says about its Graph sweep.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearSimLog, countOf, simLog, type RequestCount } from './simLog';
import { simTimeline, summarise, type TimelineSummary } from './timeline';

const ROOT = path.resolve(__dirname, '..', '..');

export interface ProcessRun {
  /** Spawn to exit. */
  ms: number;
  /** Spawn to the first Graph request: starting node and loading MfaBot. */
  startupMs: number;
  /** The last Graph answer to exit: the report, its JSON and writing it out. */
  afterGraphMs: number;
  requests: RequestCount;
  peakRssMb: number;
  /** Admins the printed report counted, to check that every run read the whole tenant. */
  admins: number;
  timeline: TimelineSummary;
}

export interface WholeProcessResult {
  runs: ProcessRun[];
  /** The run with the median time. */
  median: ProcessRun;
}

const now = (): number => performance.timeOrigin + performance.now();

async function runOnce(simUrl: string, scratch: string): Promise<ProcessRun> {
  const rssFile = path.join(scratch, 'rss');
  await clearSimLog(simUrl);
  const started = now();
  // A clean environment: the developer's MFABOT_* settings must not change what is measured.
  const child = spawn(process.execPath, ['--require', path.join(__dirname, 'rss.cjs'), path.join(ROOT, 'bin', 'mfabot.js'), 'status', '--graph-url', simUrl, '--json'], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', MFABOT_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ended = now();
  if (code !== 0) throw new Error(`mfabot status exited with ${code}`);
  const printed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { totals?: { admins?: number } };
  const timeline = await simTimeline(simUrl);
  const first = Math.min(...timeline.map((t) => t.startMs));
  const last = Math.max(...timeline.map((t) => t.endMs));
  return {
    ms: Math.round(ended - started),
    startupMs: Math.round(first - started),
    afterGraphMs: Math.round(ended - last),
    requests: countOf(await simLog(simUrl)),
    peakRssMb: Math.round(Number(readFileSync(rssFile, 'utf8')) / 1024),
    admins: printed.totals?.admins ?? 0,
    timeline: summarise(timeline),
  };
}

/** Runs the CLI `runs` times against the simulator at `simUrl`, one after the other. */
export async function measureWholeProcess(simUrl: string, runs = 3): Promise<WholeProcessResult> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'mfabot-bench-'));
  try {
    const out: ProcessRun[] = [];
    for (let i = 0; i < runs; i++) out.push(await runOnce(simUrl, scratch));
    const sorted = [...out].sort((a, b) => a.ms - b.ms);
    return { runs: out, median: sorted[Math.floor(sorted.length / 2)] as ProcessRun };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
