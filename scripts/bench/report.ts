/** The benchmark's one table, its targets (issues 7 and 16) and the request floor, as text and as JSON. */
import type { BurstResult } from './burst';
import type { MfaBotResult } from './measure';
import type { TenantShape } from './simulator';
import { criticalPathLines } from './timeline';
import type { WholeProcessResult } from './wholeProcess';

export const LATENCY_MS = 100;

/** Everything measured for one tenant size. */
export interface SizeResult extends MfaBotResult {
  users: number;
  admins: number;
  /** Active assignments of the most-assigned role in scope: the longest chain of pages. */
  largestRoleAssignments: number;
  /** The sizes that set each read's number of pages. */
  floor: TenantShape;
  concurrency: BurstResult;
  /** `mfabot status --json` as a whole process against the same tenant. */
  wholeProcess: WholeProcessResult;
}

/** Issue 7's targets at 100k users / 2k admins. */
export const TARGETS = {
  coldMs: 1_000,
  coldRequests: 30,
  naiveRatio: 50,
  warmMs: 50,
  peakRssMb: 250,
  cardBytes: 25_000,
  concurrentMs: 3_000,
} as const;

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

export function ratio(r: SizeResult): number {
  return r.cold.requests.outer > 0 ? Math.round((r.naive.requests / r.cold.requests.outer) * 10) / 10 : 0;
}

function outsideSweepText(r: SizeResult): string {
  const calls = Object.entries(r.bot.outsideSweep).map(([call, n]) => `${int(n)} x ${call}`);
  return calls.length === 0 ? 'none' : `${r.bot.outsideSweepPerMessage} per message (${calls.join(', ')})`;
}

export function checkTargets(r: SizeResult): TargetCheck[] {
  const c = r.concurrency;
  const cardMax = Math.max(r.cardBytes, c.maxCardBytes);
  return [
    { name: 'cold status', target: `< ${int(TARGETS.coldMs)} ms`, measured: `${int(r.cold.ms)} ms (runs: ${r.cold.msRuns.map(int).join(', ')})`, met: r.cold.ms < TARGETS.coldMs },
    { name: 'cold Graph requests', target: `<= ${TARGETS.coldRequests}`, measured: `${r.cold.requests.outer}`, met: r.cold.requests.outer <= TARGETS.coldRequests },
    { name: 'fewer requests than naive', target: `>= ${TARGETS.naiveRatio}x`, measured: `${ratio(r)}x (${int(r.naive.requests)} / ${r.cold.requests.outer})`, met: ratio(r) >= TARGETS.naiveRatio },
    { name: 'warm status', target: `< ${TARGETS.warmMs} ms`, measured: `${r.warm.msMax} ms (slowest of 20)`, met: r.warm.msMax < TARGETS.warmMs },
    { name: 'peak RSS', target: `< ${TARGETS.peakRssMb} MB`, measured: `${r.peakRssMb} MB`, met: r.peakRssMb < TARGETS.peakRssMb },
    { name: 'card size', target: `< ${int(TARGETS.cardBytes)} bytes`, measured: `${int(cardMax)} bytes`, met: cardMax < TARGETS.cardBytes },
    {
      name: `${c.messages} status messages at once`,
      target: `1 Graph sweep, ${c.messages} replies < ${int(TARGETS.concurrentMs)} ms`,
      measured: `${r.bot.sweeps} sweep, ${c.statusCards} status cards in ${int(c.ms)} ms`,
      met: r.bot.sweeps === 1 && c.statusCards === c.messages && c.ms < TARGETS.concurrentMs,
    },
    {
      name: 'no Graph requests per message beyond the sweep',
      target: '0',
      measured: outsideSweepText(r),
      met: Object.keys(r.bot.outsideSweep).length === 0,
    },
  ];
}

/** "212 calls for 2,000 admins (one per 9.4 admins)". */
export function registrationCost(calls: number, admins: number): string {
  return `${int(calls)} calls for ${int(admins)} admins (one per ${calls > 0 ? Math.round((admins / calls) * 10) / 10 : 0} admins)`;
}

function pad(cells: string[][]): string[] {
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length))) ?? [];
  return cells.map((row) => row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ').trimEnd());
}

/** Round trips of each chain of dependent reads in a sweep, from the tenant's shape. */
export function chains(shape: TenantShape): { assignments: number; eligibility: number; report: number; floor: number } {
  const pages = (rows: number, size: number): number => Math.max(1, Math.ceil(rows / size));
  // One query for every role first; a tenant larger than its first page is then read again per role.
  const assignments = shape.assignmentsInScope <= 999 ? 1 : 1 + pages(shape.largestRoleAssignments, 999);
  const eligibility = shape.eligibleInForce <= 100 ? 1 : 1 + pages(shape.largestRoleEligibility, 100);
  const report = pages(shape.directAdmins, 999);
  // + the members of role-assignable groups after the assignments; + the look-ups of admins the report leaves out.
  return { assignments, eligibility, report, floor: Math.max(assignments + 1, eligibility, report) + 1 };
}

/** The request floor, in words, for one size. */
export function floorText(shape: TenantShape, users: number, measuredHops: number): string[] {
  const c = chains(shape);
  return [
    `Floor at ${int(users)} users: a sweep is chains of dependent Graph round trips side by side; the longest sets its length:`,
    `  role assignments: one query for every role in scope (a page of 999), then each role again, the largest (${int(shape.largestRoleAssignments)}) in pages of 999: ${c.assignments},`
      + ' + 1 for the members of the role-assignable groups they name;',
    `  PIM eligibility: one query (a page of 100; Graph takes no $top here), then each role again, the largest (${int(shape.largestRoleEligibility)}) in pages of 100: ${c.eligibility};`,
    `  registration: the isAdmin-filtered report, ${int(shape.directAdmins)} rows in pages of 999: ${c.report};`,
    '  then the registration of admins the report does not list (eligible-only, through groups), 15 ids a call, all at once: + 1.',
    `  Floor: ${c.floor} round trips x ${LATENCY_MS} ms = ${int(c.floor * LATENCY_MS)} ms of latency; the measured critical path has ${measuredHops}.`,
    '  Registration costs one call per 999 admins the report lists (pages one after another) and one per 15 it does not (in parallel, 20 calls a $batch).',
  ];
}

export function table(results: readonly SizeResult[]): string[] {
  const header = ['users', 'admins', 'requests MfaBot', '(inner)', 'CA groups', '(inner)', 'naive', 'ratio', 'cold ms', '(first)', '(simulator)', 'round trips',
    'warm ms', 'peak RSS MB', 'card bytes', `${results[0]?.concurrency.messages ?? 100} chats at once`, 'whole process ms'];
  const rows = results.map((r) => [
    int(r.users), int(r.admins), `${r.cold.requests.outer}`, `(${int(r.cold.requests.inner)})`,
    int(r.coverage.groups), `(${int(r.coverage.requests)})`, int(r.naive.requests), `${ratio(r)}x`,
    int(r.cold.ms), `(${int(r.cold.msRuns[0] ?? 0)})`, `(${int(r.cold.timeline.simMs)})`, `${r.cold.timeline.criticalPath.length}`,
    `${r.warm.msMax}`, `${Math.round(r.peakRssMb)}`, int(r.cardBytes),
    `${r.bot.sweeps} sweep, ${r.concurrency.statusCards} replies in ${int(r.concurrency.ms)} ms`, int(r.wholeProcess.median.ms),
  ]);
  return pad([header, ...rows]);
}

export function render(results: readonly SizeResult[], meta: { node: string; cpus: number; totalSeconds: number }): string {
  const lines: string[] = [];
  lines.push(`MfaBot status benchmark: simulated Graph adding ${LATENCY_MS} ms to every request; Node ${meta.node}, ${meta.cpus} cores.`);
  lines.push('');
  lines.push(...table(results));
  lines.push('');
  lines.push('requests: Graph requests of one cold status ($batch counts once; inner counts every request inside batches, which is what Graph throttles).');
  lines.push('CA groups: groups Conditional Access policies name whose members the sweep read for per-admin coverage (only those of policies that');
  lines.push(`  can protect; ids only, at most 5 pages each); (inner) = their GETs, part of the inner count, travelling in the same $batch requests.`);
  lines.push(`naive: admins listed with plain paged GETs, then GET /users/{id}/authentication/methods per admin (${results[0]?.naive.concurrency ?? 20} in flight); ratio = naive / MfaBot.`);
  lines.push('cold: new Graph client + gateway + StatusService, report and card; median of 3 runs, (first) = first status after the process started,');
  lines.push('  (simulator) = the simulated Graph\'s own work in the median run (its timeline, GET /_sim/timeline: every request\'s handling summed),');
  lines.push('  round trips = the sequential Graph round trips of its critical path. whole process: `mfabot status --graph-url URL --json` from spawn to exit, median of 3.');
  lines.push('warm: cached report + card, slowest of 20. peak RSS: kernel maximum resident set of the MfaBot process (fresh per size, status and bot),');
  lines.push('  compiled JavaScript on plain node as npm start runs it, measured before the naive run; the simulator, the Bot Connector');
  lines.push('  and the posting clients run in other processes.');
  const largest = results[results.length - 1];
  if (largest) {
    const c = largest.concurrency;
    lines.push('');
    lines.push(`Concurrency (${int(largest.users)} users): ${c.messages} "status" messages from ${c.messages} conversations posted at once to the real bot: `
      + `${largest.bot.sweeps} Graph sweep; ${c.statusCards} status cards reached the Bot Connector within ${int(c.ms)} ms; `
      + `Graph served ${int(c.requests.outer)} requests (${int(c.requests.inner)} inner) meanwhile; requests beyond the sweep: ${outsideSweepText(largest)}.`);
    lines.push(`Per-admin Conditional Access (${int(largest.users)} users): ${int(largest.coverage.groups)} groups read in ${int(largest.coverage.requests)} GETs`
      + ` (${int(largest.coverage.incomplete)} not in full); ${int(largest.admins)} admins judged as ${int(largest.coverage.signatures)} distinct signatures,`
      + ` ${int(largest.coverage.uncovered)} can sign in without MFA.`);
    lines.push('');
    lines.push(...floorText(largest.floor, largest.users, largest.cold.timeline.criticalPath.length));
    lines.push('');
    lines.push(`The cold status at ${int(largest.users)} users (median run): Graph ${int(largest.cold.timeline.graphMs)} ms from first request to last answer,`
      + ` the simulator busy ${int(largest.cold.timeline.simMs)} ms of it; registration: ${registrationCost(largest.cold.timeline.calls.userRegistrationDetails ?? 0, largest.admins)}.`);
    lines.push(...criticalPathLines(largest.cold.timeline, LATENCY_MS));
    lines.push('');
    lines.push(`Targets at ${int(largest.users)} users / ${int(largest.admins)} admins:`);
    for (const t of checkTargets(largest)) lines.push(`  ${t.met ? 'met ' : 'MISS'}  ${t.name}: ${t.measured} (target ${t.target})`);
  }
  return lines.join('\n');
}
