/**
 * The top end (issue 16): a generated tenant of a million users and 20,000 admins, status as a whole
 * process (scripts/bench/wholeProcess.ts), with its targets, its floor and its critical path.
 */
import { floorText, LATENCY_MS, registrationCost, type TargetCheck } from './report';
import type { TenantShape } from './simulator';
import { criticalPathLines } from './timeline';
import type { WholeProcessResult } from './wholeProcess';

export const LARGE_SIZE = { users: 1_000_000, admins: 20_000 } as const;

/** Issue 16's targets at a million users / 20k admins. */
export const LARGE_TARGETS = { wholeProcessMs: 5_000, requests: 120, peakRssMb: 300 } as const;

export interface LargeResult {
  users: number;
  admins: number;
  /** Generating the tenant in the simulator's process. */
  generateMs: number;
  floor: TenantShape;
  wholeProcess: WholeProcessResult;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

export function checkLargeTargets(r: LargeResult): TargetCheck[] {
  const { runs, median } = r.wholeProcess;
  const slowest = Math.max(...runs.map((run) => run.ms));
  const requests = Math.max(...runs.map((run) => run.requests.outer));
  const rss = Math.max(...runs.map((run) => run.peakRssMb));
  return [
    { name: 'status, whole process', target: `< ${int(LARGE_TARGETS.wholeProcessMs)} ms`, measured: `${int(median.ms)} ms median (runs: ${runs.map((run) => int(run.ms)).join(', ')})`, met: slowest < LARGE_TARGETS.wholeProcessMs },
    { name: 'Graph requests', target: `<= ${LARGE_TARGETS.requests}`, measured: `${requests}`, met: requests <= LARGE_TARGETS.requests },
    { name: 'peak RSS', target: `< ${LARGE_TARGETS.peakRssMb} MB`, measured: `${rss} MB`, met: rss < LARGE_TARGETS.peakRssMb },
    { name: 'every admin counted', target: `${int(r.admins)}`, measured: runs.map((run) => int(run.admins)).join(', '), met: runs.every((run) => run.admins === r.admins) },
  ];
}

export function largeLines(r: LargeResult): string[] {
  const m = r.wholeProcess.median;
  const t = m.timeline;
  const graphMs = m.ms - m.startupMs - m.afterGraphMs;
  const lines = [
    `${int(r.users)} users, ${int(r.admins)} admins (generated in ${int(r.generateMs)} ms): \`mfabot status --graph-url URL --json\`, a fresh process each time, median of ${r.wholeProcess.runs.length}:`,
    `  ${int(m.ms)} ms from spawn to exit = ${int(m.startupMs)} ms starting node and MfaBot + ${int(graphMs)} ms of Graph (${t.requests} requests, ${int(m.requests.inner)} calls inside them)`
      + ` + ${int(m.afterGraphMs)} ms for the report and its ${int(r.admins)} admins as JSON; peak RSS ${m.peakRssMb} MB.`,
    `  The simulator worked ${int(t.simMs)} ms of those ${int(m.ms)} (${Math.round((t.simMs / m.ms) * 100)}%; ${int(t.criticalPath.reduce((n, h) => n + h.simMs, 0))} ms of it on the critical path).`,
    `  Registration: ${registrationCost(t.calls.userRegistrationDetails ?? 0, r.admins)}.`,
    '',
    ...floorText(r.floor, r.users, t.criticalPath.length),
    '',
    ...criticalPathLines(t, LATENCY_MS),
    '',
    `Targets at ${int(r.users)} users / ${int(r.admins)} admins:`,
    ...checkLargeTargets(r).map((c) => `  ${c.met ? 'met ' : 'MISS'}  ${c.name}: ${c.measured} (target ${c.target})`),
  ];
  return lines;
}
