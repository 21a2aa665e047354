/**
 * What the simulator's timeline (`GET /_sim/timeline`, README "Performance") says about one status:
 * how much of the time the simulator itself worked, and the critical path, the chain of sequential
 * Graph round trips that decided how long the sweep took.
 */
import type { SimTiming } from '../../src/sim/server';

export async function simTimeline(url: string): Promise<SimTiming[]> {
  const res = await fetch(`${url}/_sim/timeline`);
  if (!res.ok) throw new Error(`GET /_sim/timeline answered ${res.status}`);
  return (await res.json()) as SimTiming[];
}

/** One round trip on the critical path. */
export interface Hop {
  /** From the first request's arrival, ms. */
  atMs: number;
  /** Arrival to answer, ms (latency included). */
  ms: number;
  /** The simulator's own work in it, ms. */
  simMs: number;
  /** Between the answer that made this request possible and its arrival: MfaBot's own work, ms. */
  clientMs: number;
  what: string;
}

export interface TimelineSummary {
  requests: number;
  /** First arrival to last answer, ms. */
  graphMs: number;
  /** Every request's simulator work, summed, ms (one thread: this is time the simulator was busy). */
  simMs: number;
  /** Graph calls (a `$batch`'s items one by one) per resource, e.g. `userRegistrationDetails`. */
  calls: Record<string, number>;
  criticalPath: Hop[];
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** The resource's name, not an id or a cast: `groups/{id}/transitiveMembers/microsoft.graph.user` → transitiveMembers. */
const resource = (path: string): string => [...path.split('/')].reverse().find((p) => /^[a-z$][A-Za-z$]+$/.test(p)) ?? path;

/** The Graph calls of a request: itself, or a `$batch`'s items. */
function callsOf(t: SimTiming): string[] {
  return t.items ? t.items.map((item) => resource(item.split(' ')[1] ?? item)) : [resource(t.path)];
}

/** `GET userRegistrationDetails`, or `$batch 20: userRegistrationDetails x15, roleAssignments x5`. */
export function describe(t: SimTiming): string {
  if (!t.items) return `${t.method} ${resource(t.path)}`;
  const counts = new Map<string, number>();
  for (const key of callsOf(t)) counts.set(key, (counts.get(key) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => (n > 1 ? `${k} x${n}` : k));
  return `$batch ${t.items.length}: ${parts.join(', ')}`;
}

/**
 * The chain of round trips that ended last, walked backwards: each request's predecessor is the
 * answer that arrived last before it was sent (MfaBot sends what a page makes possible as soon as
 * the page arrives, so that answer is what it waited for).
 */
export function criticalPath(timeline: readonly SimTiming[]): Hop[] {
  if (timeline.length === 0) return [];
  const byEnd = [...timeline].sort((a, b) => a.endMs - b.endMs);
  const origin = Math.min(...timeline.map((t) => t.startMs));
  const chain: SimTiming[] = [];
  let current: SimTiming | undefined = byEnd[byEnd.length - 1];
  while (current) {
    chain.unshift(current);
    const start: number = current.startMs;
    current = byEnd.filter((t) => t.endMs <= start).pop();
  }
  return chain.map((t, i) => {
    const before = chain[i - 1];
    return {
      atMs: round(t.startMs - origin),
      ms: round(t.endMs - t.startMs),
      simMs: t.handledMs,
      clientMs: before ? round(t.startMs - before.endMs) : 0,
      what: describe(t),
    };
  });
}

export function summarise(timeline: readonly SimTiming[]): TimelineSummary {
  const first = Math.min(...timeline.map((t) => t.startMs));
  const last = Math.max(...timeline.map((t) => t.endMs));
  return {
    requests: timeline.length,
    graphMs: timeline.length === 0 ? 0 : round(last - first),
    simMs: round(timeline.reduce((n, t) => n + t.handledMs, 0)),
    calls: timeline.flatMap(callsOf).reduce<Record<string, number>>((n, c) => ({ ...n, [c]: (n[c] ?? 0) + 1 }), {}),
    criticalPath: criticalPath(timeline),
  };
}

/** The critical path as lines of text, with what each round trip cost and where the time went. */
export function criticalPathLines(summary: TimelineSummary, latencyMs: number): string[] {
  const hops = summary.criticalPath;
  const sum = (pick: (h: Hop) => number): number => Math.round(hops.reduce((n, h) => n + pick(h), 0));
  const lines = [
    `Critical path: ${hops.length} sequential Graph round trips (${latencyMs} ms of latency each) = ${sum((h) => h.ms)} ms;`
      + ` inside them the simulator worked ${sum((h) => h.simMs)} ms, and MfaBot spent ${sum((h) => h.clientMs)} ms between them:`,
    '      at ms  round trip  simulator  MfaBot before  request',
  ];
  for (const h of hops) {
    lines.push(`  ${String(Math.round(h.atMs)).padStart(9)}  ${String(Math.round(h.ms)).padStart(10)}  ${String(Math.round(h.simMs)).padStart(9)}  ${String(Math.round(h.clientMs)).padStart(13)}  ${h.what}`);
  }
  return lines;
}
