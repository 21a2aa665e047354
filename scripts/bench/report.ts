/** The benchmark's one table, its targets (issue 7) and the request floor, as text and as JSON. */
import type { BurstResult } from './burst';
import type { MfaBotResult } from './measure';

export const LATENCY_MS = 100;

/** Everything measured for one tenant size. */
export interface SizeResult extends MfaBotResult {
  users: number;
  admins: number;
  /** Active assignments of the most-assigned role in scope: the longest chain of pages. */
  largestRoleAssignments: number;
  concurrency: BurstResult;
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

function pad(cells: string[][]): string[] {
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length))) ?? [];
  return cells.map((row) => row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ').trimEnd());
}

/** The request floor, in words, for one size. */
export function floorText(r: SizeResult): string[] {
  const pages = Math.ceil(r.largestRoleAssignments / 100);
  return [
    'Request floor: three sequential steps are forced by data dependencies; everything else rides alongside them:',
    '  1. role assignments (who holds an admin role, directly or through a group),',
    '  2. transitive members of the role-assignable groups found in step 1,',
    '  3. registration rows of admins the isAdmin-filtered report leaves out (eligible-only and group admins), 15 ids per request, 20 requests per $batch.',
    `  Graph pages role assignments by 100, so step 1 is itself a chain: at ${int(r.users)} users the largest role has ${int(r.largestRoleAssignments)}`,
    `  assignments = ${pages} pages, read after a first page that shows the tenant is large; steps 2-3 overlap it (each page`,
    `  starts its own follow-ups) except for what the last page brings: about ${pages + 2} round trips x ${LATENCY_MS} ms = ${int((pages + 2) * LATENCY_MS)} ms.`,
    `  In requests: the sweep makes ${int(r.cold.requests.inner)} Graph calls; at 20 per $batch that is at least ${Math.ceil(r.cold.requests.inner / 20)} requests (MfaBot: ${r.cold.requests.outer}).`,
  ];
}

export function table(results: readonly SizeResult[]): string[] {
  const header = ['users', 'admins', 'requests MfaBot', '(inner)', 'CA groups', '(inner)', 'naive', 'ratio', 'cold ms', '(first)', 'warm ms', 'peak RSS MB', 'card bytes', `${results[0]?.concurrency.messages ?? 100} chats at once`];
  const rows = results.map((r) => [
    int(r.users), int(r.admins), `${r.cold.requests.outer}`, `(${int(r.cold.requests.inner)})`,
    int(r.coverage.groups), `(${int(r.coverage.requests)})`, int(r.naive.requests), `${ratio(r)}x`,
    int(r.cold.ms), `(${int(r.cold.msRuns[0] ?? 0)})`, `${r.warm.msMax}`, `${Math.round(r.peakRssMb)}`, int(r.cardBytes),
    `${r.bot.sweeps} sweep, ${r.concurrency.statusCards} replies in ${int(r.concurrency.ms)} ms`,
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
  lines.push('cold: new Graph client + gateway + StatusService, report and card; median of 3 runs, (first) = first status after the process started.');
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
    lines.push(...floorText(largest));
    lines.push('');
    lines.push(`Targets at ${int(largest.users)} users / ${int(largest.admins)} admins:`);
    for (const t of checkTargets(largest)) lines.push(`  ${t.met ? 'met ' : 'MISS'}  ${t.name}: ${t.measured} (target ${t.target})`);
  }
  lines.push('');
  lines.push(`Finished in ${meta.totalSeconds} s.`);
  return lines.join('\n');
}
