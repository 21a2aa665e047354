/**
 * Benchmark child: generates one tenant and serves it with the simulator, in a process of its own,
 * so the simulated tenant's memory never counts as MfaBot's. Before announcing itself it serves a
 * few reads to itself, so its own JIT warm-up is not charged to MfaBot (Microsoft Graph is always
 * warm). Prints one JSON line (`SimReady`) when ready, then serves until its parent closes stdin or
 * sends SIGTERM.
 *
 * usage: simulator.ts --users N --admins M --seed S --latency-ms L [--fault NAME ...]
 */
import { parseArgs } from 'node:util';
import { parseRoleScope, ROLE_LISTS } from '../../src/domain/roles';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { graphGet } from '../../src/graph/requests';
import { silentLogger } from '../../src/log';
import { generateTenant } from '../../src/sim/generate';
import { isGraphFaultName, startSimulator, type Simulator } from '../../src/sim/server';
import type { TenantFixture } from '../../src/sim/fixture';

/** What the measuring process needs to know about the tenant it measures. */
export interface SimReady {
  url: string;
  tenantId: string;
  users: number;
  admins: number;
  generateMs: number;
  /** Active assignments of the most-assigned role in scope: the longest chain of pages. */
  largestRoleAssignments: number;
  /** What sets the other chains' lengths (scripts/bench/report.ts, floorText). */
  floor: TenantShape;
}

/** The sizes that decide how many pages each read of a sweep takes. */
export interface TenantShape {
  /** Active assignments of the most-assigned role in scope. */
  largestRoleAssignments: number;
  /** Eligibility of the most-eligible role in scope. */
  largestRoleEligibility: number;
  /** Rows `isAdmin eq true` lists: users with an active, direct assignment of any role and a registration row. */
  directAdmins: number;
  /** Active assignments of every role in scope. */
  assignmentsInScope: number;
  /** Eligibility in force, of every role. */
  eligibleInForce: number;
}

const SCOPE = new Set((ROLE_LISTS.template ?? []).map((r) => r.toLowerCase()));

function perRoleInScope(rows: ReadonlyArray<{ roleDefinitionId: string }>): number[] {
  const perRole = new Map<string, number>();
  for (const a of rows) {
    const role = a.roleDefinitionId.toLowerCase();
    if (SCOPE.has(role)) perRole.set(role, (perRole.get(role) ?? 0) + 1);
  }
  return [...perRole.values()];
}

function shapeOf(tenant: TenantFixture): TenantShape {
  const users = new Set(tenant.users.map((u) => u.id.toLowerCase()));
  const direct = new Set(tenant.roleAssignments.map((a) => a.principalId.toLowerCase()).filter((id) => users.has(id)));
  const listed = tenant.userRegistrationDetails.filter((r) => direct.has(r.id.toLowerCase())).length;
  const now = Date.now();
  const inForce = tenant.roleEligibilitySchedules.filter((e) => Date.parse(e.startDateTime ?? '1970-01-01') <= now && (!e.endDateTime || now < Date.parse(e.endDateTime)));
  const assigned = perRoleInScope(tenant.roleAssignments);
  return {
    largestRoleAssignments: Math.max(0, ...assigned),
    largestRoleEligibility: Math.max(0, ...perRoleInScope(inForce)),
    directAdmins: listed,
    assignmentsInScope: assigned.reduce((a, b) => a + b, 0),
    eligibleInForce: inForce.length,
  };
}

/** Exercises the endpoints the benchmark will call, then forgets the requests. */
async function warmUp(sim: Simulator, tenant: TenantFixture): Promise<void> {
  const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 30_000, maxRetries: 0, logger: silentLogger() });
  const gateway = new GraphTenantGateway({ client, baseUrl: sim.url });
  for (let i = 0; i < 2; i++) await gateway.readTenant({ roleIds: parseRoleScope('template') });
  await Promise.all(tenant.users.slice(0, 50).map((u) => graphGet(client, `/users/${u.id}/authentication/methods`)));
  sim.clearRequests();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' }, admins: { type: 'string' }, seed: { type: 'string' }, 'latency-ms': { type: 'string' },
      fault: { type: 'string', multiple: true },
    },
  });
  const faults = (values.fault ?? []).map((f) => {
    if (!isGraphFaultName(f)) throw new Error(`unknown fault ${f}`);
    return f;
  });
  const users = Number(values.users);
  const admins = Number(values.admins);
  const started = Date.now();
  // The tenant: 10% PIM-eligible, 5% through role-assignable groups, 20% unregistered, 300 CA policies.
  const tenant = generateTenant({
    users, admins, seed: Number(values.seed ?? 42), eligibleShare: 0.1, groupShare: 0.05, unregisteredShare: 0.2, policies: 300,
  });
  const generateMs = Date.now() - started;
  const sim = await startSimulator({ tenant, adoptTenant: true, port: 0, host: '127.0.0.1', latencyMs: Number(values['latency-ms'] ?? 100), graphFaults: faults });
  await warmUp(sim, tenant);
  // The warm-up must not use up a fault that fires once.
  sim.rearmGraphFaults();
  const floor = shapeOf(tenant);
  const ready: SimReady = { url: sim.url, tenantId: tenant.organization.id, users, admins, generateMs, largestRoleAssignments: floor.largestRoleAssignments, floor };
  process.stdout.write(`${JSON.stringify(ready)}\n`);

  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench simulator: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
