/**
 * The benchmark under each named fault of the simulated Graph (`mfabot sim --fault`, the other
 * reading of a behaviour Graph's documentation leaves open): one cold status at the largest size,
 * its Graph requests, and whether the totals are those of the strict run. Runs in the parent process:
 * request counts and totals do not depend on how the code was compiled.
 */
import { performance } from 'node:perf_hooks';
import { parseRoleScope } from '../../src/domain/roles';
import type { Totals } from '../../src/domain/report';
import { buildStatusReport } from '../../src/domain/status';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { silentLogger } from '../../src/log';
import type { GraphFaultName } from '../../src/sim/server';
import { clearSimLog, countOf, simLog, type RequestCount } from './simLog';
import type { SimReady } from './simulator';

export interface FaultResult {
  fault: GraphFaultName;
  requests: RequestCount;
  ms: number;
  totals: Totals;
  caveats: number;
}

export async function measureFault(fault: GraphFaultName, sim: SimReady): Promise<FaultResult> {
  const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 10_000, maxRetries: 3, logger: silentLogger() });
  const gateway = new GraphTenantGateway({ client, baseUrl: sim.url });
  const roleIds = parseRoleScope('template');
  await clearSimLog(sim.url);
  const started = performance.now();
  const facts = await gateway.readTenant({ roleIds });
  const ms = Math.round(performance.now() - started);
  const report = buildStatusReport(facts, { roleIds, breakGlassUserIds: [], exclusionGroupId: null }, new Date());
  return { fault, requests: countOf(await simLog(sim.url)), ms, totals: report.totals, caveats: facts.caveats.length };
}

const same = (a: Totals, b: Totals): boolean => a.admins === b.admins && a.registered === b.registered && a.unregistered === b.unregistered && a.unknown === b.unknown;

/** One line per fault: requests (inner), time, and whether the totals match the strict run's. */
export function faultLines(results: readonly FaultResult[], strict: Totals, size: { users: number; admins: number }): string[] {
  const int = (n: number): string => n.toLocaleString('en-US');
  const rows = [['fault', 'requests', '(inner)', 'cold ms', 'totals'], ...results.map((r) => [
    r.fault, `${r.requests.outer}`, `(${int(r.requests.inner)})`, int(r.ms),
    same(r.totals, strict) ? 'as without' : `DIFFER: ${r.totals.registered} of ${r.totals.admins} (${r.totals.unknown} unknown)`,
  ])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return [
    `Under each named fault of the simulated Graph (${int(size.users)} users, ${int(size.admins)} admins; mfabot sim --fault NAME), one cold status:`,
    ...rows.map((row) => `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`),
  ];
}

export function faultTotalsMatch(results: readonly FaultResult[], strict: Totals): boolean {
  return results.every((r) => same(r.totals, strict));
}
