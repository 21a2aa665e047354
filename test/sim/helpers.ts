/** Shared helpers for the simulator tests: start/stop, Graph calls over loopback, admin counting. */
import type { TenantFixture } from '../../src/sim/fixture';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/server';

export const AUTH = { Authorization: 'Bearer test-token' };

export interface GraphReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Runs `work` against a fresh simulator and always closes it. */
export async function withSim<T>(opts: SimulatorOptions, work: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', ...opts });
  try {
    return await work(sim);
  } finally {
    await sim.close();
  }
}

/** Calls the simulator; `path` is relative to /v1.0 unless it is an absolute URL. */
export async function call(sim: Simulator, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<GraphReply> {
  const url = /^https?:/.test(path) ? path : `${sim.graphUrl}${path}`;
  const headers: Record<string, string> = { ...AUTH, ...init.headers };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function values(reply: GraphReply): Array<Record<string, unknown>> {
  const v = reply.body.value;
  if (!Array.isArray(v)) throw new Error(`no value array in ${JSON.stringify(reply.body).slice(0, 200)}`);
  return v as Array<Record<string, unknown>>;
}

export function errorOf(reply: GraphReply): { code: string; message: string } {
  const e = reply.body.error as { code: string; message: string } | undefined;
  if (!e) throw new Error(`expected an error body, got ${JSON.stringify(reply.body).slice(0, 200)}`);
  return e;
}

/** Follows @odata.nextLink unchanged until it is absent; returns every item and the links followed. */
export async function collect(sim: Simulator, path: string, headers: Record<string, string> = {}): Promise<{ items: Array<Record<string, unknown>>; links: string[] }> {
  const items: Array<Record<string, unknown>> = [];
  const links: string[] = [];
  let next: string | undefined = path;
  while (next) {
    const reply = await call(sim, next, { headers });
    if (reply.status !== 200) throw new Error(`${next} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    items.push(...values(reply));
    const link = reply.body['@odata.nextLink'];
    next = typeof link === 'string' ? link : undefined;
    if (next) links.push(next);
  }
  return { items, links };
}

export interface Totals {
  admins: number;
  registered: number;
  unregistered: number;
  unknown: number;
}

/**
 * Admin totals computed from a fixture as README's "Who counts as an admin?" says, independently of the simulator:
 * active or in-force eligible, direct or through transitive membership of a group that holds the role.
 */
export function adminTotals(t: TenantFixture, roleIds: readonly string[], now = new Date()): Totals & { ids: Set<string> } {
  const scope = new Set(roleIds);
  const users = new Set(t.users.map((u) => u.id));
  const groups = new Map(t.groups.map((g) => [g.id, g]));
  const admins = new Set<string>();
  const addPrincipal = (id: string, seen = new Set<string>()): void => {
    if (users.has(id)) admins.add(id);
    const g = groups.get(id);
    if (!g || seen.has(id)) return;
    seen.add(id);
    for (const m of g.members) addPrincipal(m, seen);
  };
  for (const a of t.roleAssignments) if (scope.has(a.roleDefinitionId)) addPrincipal(a.principalId);
  for (const e of t.roleEligibilitySchedules) {
    const started = !e.startDateTime || Date.parse(e.startDateTime) <= now.getTime();
    const notEnded = !e.endDateTime || Date.parse(e.endDateTime) > now.getTime();
    if (scope.has(e.roleDefinitionId) && started && notEnded) addPrincipal(e.principalId);
  }
  const rows = new Map(t.userRegistrationDetails.map((r) => [r.id, r.isMfaRegistered]));
  let registered = 0;
  let unregistered = 0;
  let unknown = 0;
  for (const id of admins) {
    const r = rows.get(id);
    if (r === undefined) unknown++;
    else if (r) registered++;
    else unregistered++;
  }
  return { admins: admins.size, registered, unregistered, unknown, ids: admins };
}
