/**
 * Benchmark child, forked once per tenant size so its peak RSS is MfaBot's alone: this process
 * holds MfaBot's status path and the real bot, nothing else (the simulator, the Bot Connector and
 * the clients posting messages live in other processes). Phases, in order:
 * 1. cold status: a new Graph client, gateway and StatusService per run; wall time to report + card;
 * 2. warm status: the cached report + card;
 * 3. the real bot (startMfaBot, pointed at the simulator as at Graph) while the parent posts 100
 *    `status` messages at once; sweeps are counted from the bot's own log of Graph requests;
 * 4. the naive baseline (one GET per admin), last, so it cannot inflate MfaBot's peak RSS.
 *
 * Protocol (IPC): parent → {type:'start', sim}; child → {type:'botReady', url}; parent →
 * {type:'burstDone'}; child → {type:'result', result}.
 */
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { statusCard, cardBytes } from '../../src/cards';
import type { StatusReport } from '../../src/domain/report';
import { parseRoleScope } from '../../src/domain/roles';
import type { StatusSettings } from '../../src/domain/status';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { silentLogger } from '../../src/log';
import { StatusService } from '../../src/services/status';
import { startMfaBot } from '../../src/index';
import { naiveAdminMfa } from './naive';
import { clearSimLog, countOf, simLog, type RequestCount } from './simLog';
import type { SimReady } from './simulator';
import { simTimeline, summarise, type TimelineSummary } from './timeline';

const COLD_RUNS = 3;
const WARM_RUNS = 20;
export const NAIVE_CONCURRENCY = 20;

/** What the bot's own log says about the Graph requests made while the parent's messages arrived. */
export interface BotGraphLog {
  /** Status sweeps: conversations whose turn read role assignments (only a sweep does). */
  sweeps: number;
  /** Graph HTTP requests the bot made (a `$batch` counts once). */
  requests: number;
  /** Requests made for conversations that only joined a sweep, by `METHOD /path`: work outside the sweep. */
  outsideSweep: Record<string, number>;
  /** outsideSweep per such conversation. */
  outsideSweepPerMessage: number;
}

export interface MfaBotResult {
  report: { admins: number; registered: number; unregistered: number; unknown: number; caveats: number };
  /**
   * Per-admin Conditional Access: the members of the groups policies name that the sweep read (groups,
   * GETs, most inside `$batch`, and groups not read in full), and the admins judged.
   */
  coverage: { groups: number; requests: number; incomplete: number; uncovered: number; signatures: number };
  /**
   * `ms` is the median of `msRuns`; `msRuns[0]` is the process's first status (module loading and JIT
   * included); `timeline`, the simulator's account of the median run.
   */
  cold: { msRuns: number[]; ms: number; requests: RequestCount; timeline: TimelineSummary };
  warm: { msMedian: number; msMax: number };
  cardBytes: number;
  bot: BotGraphLog;
  /** Peak resident set of this process after every MfaBot phase (kernel ru_maxrss), before the naive run. */
  peakRssMb: number;
  naive: { requests: number; ms: number; admins: number; mfaReady: number; failed: number; concurrency: number };
}

export type ParentMessage = { type: 'start'; sim: SimReady } | { type: 'burstDone' };
export type ChildMessage = { type: 'botReady'; url: string } | { type: 'result'; result: MfaBotResult };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
const peakRssMb = (): number => round(process.resourceUsage().maxRSS / 1024);

function nextMessage(type: ParentMessage['type']): Promise<ParentMessage> {
  return new Promise((resolve) => {
    const onMessage = (msg: ParentMessage): void => {
      if (msg.type !== type) return;
      process.off('message', onMessage);
      resolve(msg);
    };
    process.on('message', onMessage);
  });
}

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send?.(msg, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

/** Reads the bot's debug log lines ("graph request", tagged with the conversation of the turn). */
function analyse(lines: readonly string[]): BotGraphLog {
  const requests: Array<{ conversation: string; call: string }> = [];
  for (const line of lines) {
    const entry = JSON.parse(line) as { msg?: string; conversationId?: string; graph?: { method?: string; path?: string } };
    if (entry.msg !== 'graph request' || !entry.graph) continue;
    requests.push({ conversation: entry.conversationId ?? '', call: `${entry.graph.method ?? ''} ${entry.graph.path ?? ''}` });
  }
  const sweeping = new Set(requests.filter((r) => r.call === 'GET /roleManagement/directory/roleAssignments').map((r) => r.conversation));
  const outsideSweep: Record<string, number> = {};
  const joiners = new Set<string>();
  for (const r of requests) {
    if (sweeping.has(r.conversation)) continue;
    joiners.add(r.conversation);
    outsideSweep[r.call] = (outsideSweep[r.call] ?? 0) + 1;
  }
  const outside = Object.values(outsideSweep).reduce((a, b) => a + b, 0);
  return { sweeps: sweeping.size, requests: requests.length, outsideSweep, outsideSweepPerMessage: joiners.size ? round(outside / joiners.size) : 0 };
}

async function measure(sim: SimReady): Promise<MfaBotResult> {
  const roleIds = parseRoleScope('template');
  const settings: StatusSettings = { roleIds, breakGlassUserIds: [], exclusionGroupId: null };
  const newService = (): StatusService => {
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 10_000, maxRetries: 3, logger: silentLogger() });
    return new StatusService({ gateway: new GraphTenantGateway({ client, baseUrl: sim.url }), settings, cacheSeconds: 60 });
  };

  // 1. Cold: each run from a new client, gateway and service, so nothing is cached.
  const coldMs: number[] = [];
  const timelines: TimelineSummary[] = [];
  let coldRequests: RequestCount = { outer: 0, inner: 0, batches: 0 };
  let service = newService();
  let report: StatusReport | null = null;
  for (let run = 0; run < COLD_RUNS; run++) {
    service = newService();
    await clearSimLog(sim.url);
    const started = performance.now();
    report = await service.get();
    statusCard(report, { now: new Date() });
    coldMs.push(round(performance.now() - started));
    const count = countOf(await simLog(sim.url));
    if (count.outer > coldRequests.outer) coldRequests = count;
    timelines.push(summarise(await simTimeline(sim.url)));
  }
  if (!report) throw new Error('no cold run');
  const medianRun = coldMs.indexOf(median(coldMs));
  const card = statusCard(report, { now: new Date() });

  // 2. Warm: the cached report, rendered as the bot renders it.
  const warmMs: number[] = [];
  for (let run = 0; run < WARM_RUNS; run++) {
    const started = performance.now();
    statusCard(await service.get(), { now: new Date() });
    warmMs.push(performance.now() - started);
  }

  // 3. The real bot, while the parent posts the messages.
  const lines: string[] = [];
  const bot = await startMfaBot(
    // In-memory storage: the benchmark leaves no state in the working tree.
    { PORT: '0', LOG_LEVEL: 'debug', MFABOT_GRAPH_URL: sim.url, MicrosoftAppTenantId: sim.tenantId, MFABOT_STORAGE: 'memory' },
    { logDestination: new Writable({ write: (chunk, _e, cb) => { lines.push(...String(chunk).split('\n').filter((l) => l.startsWith('{'))); cb(); } }) },
  );
  let botLog: BotGraphLog;
  try {
    lines.length = 0;
    await send({ type: 'botReady', url: bot.url });
    await nextMessage('burstDone');
    botLog = analyse(lines);
  } finally {
    await bot.close();
  }
  const peak = peakRssMb();

  // 4. The naive baseline: same tenant, same client stack.
  const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 10_000, maxRetries: 3, logger: silentLogger() });
  await clearSimLog(sim.url);
  const naiveStarted = performance.now();
  const naive = await naiveAdminMfa(client, sim.url, roleIds, NAIVE_CONCURRENCY);
  const naiveMs = round(performance.now() - naiveStarted);
  const naiveRequests = countOf(await simLog(sim.url));

  return {
    report: { ...report.totals, caveats: report.caveats.length },
    coverage: {
      groups: report.membershipReads?.groups ?? 0,
      requests: report.membershipReads?.requests ?? 0,
      incomplete: report.membershipReads?.incomplete ?? 0,
      uncovered: report.adminCa.uncovered,
      signatures: report.adminCa.signatures,
    },
    cold: { msRuns: coldMs, ms: median(coldMs), requests: coldRequests, timeline: timelines[medianRun] ?? timelines[0] as TimelineSummary },
    warm: { msMedian: round(median(warmMs)), msMax: round(Math.max(...warmMs)) },
    cardBytes: cardBytes(card),
    bot: botLog,
    peakRssMb: peak,
    naive: { requests: naiveRequests.outer, ms: naiveMs, ...naive, concurrency: NAIVE_CONCURRENCY },
  };
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('measure.ts runs as a forked child of scripts/bench.ts');
  const start = await nextMessage('start');
  if (start.type !== 'start') return;
  await send({ type: 'result', result: await measure(start.sim) });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench measure: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
