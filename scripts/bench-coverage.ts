/**
 * `npm run bench:coverage`: how fast the coverage engine judges a large tenant. Builds 300 policies
 * of the kinds real tenants have (MFA for admins split by client app, location and platform, legacy
 * blocks, per-app and risk policies, compliant-device ORs, report-only trials, group targeting with
 * exclusions) and 2,000 admins, then prints the time to read the policies, to judge every admin
 * (alike admins once) and, for comparison, to judge each admin on their own. Seeded: the same figures
 * every run, bar the clock.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { createCoverageEngine, evaluateAdmin, evaluateAdmins, evaluateRole, type AdminSubject } from '../src/domain/coverageEngine';
import { KNOWN_ROLES } from '../src/domain/roles';
import { mulberry32 as prng } from '../src/sim/generate';

const POLICIES = 300;
const ADMINS = 2_000;

const rand = prng(7);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const some = <T>(items: readonly T[], p: number): T[] => items.filter(() => rand() < p);
const guid = (prefix: string, n: number): string => `${prefix}0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const roles = KNOWN_ROLES.map((r) => r.id);
/** Groups policies name; admins are also in many groups no policy names (tenantGroups). */
const groups = Array.from({ length: 60 }, (_, i) => guid('c', i));
const tenantGroups = [...groups, ...Array.from({ length: 940 }, (_, i) => guid('9', i))];
const locations = Array.from({ length: 25 }, (_, i) => guid('e', i));
const apps = Array.from({ length: 40 }, (_, i) => guid('a', i));
const breakGlass = [guid('b', 1), guid('b', 2)];
const exclusionGroups = [groups[0] as string, groups[1] as string];

function policy(i: number): ConditionalAccessPolicy {
  const kind = pick(['adminMfa', 'adminMfa', 'legacyBlock', 'location', 'platform', 'app', 'risk', 'device', 'groups', 'trial']);
  const users: Record<string, unknown> = { includeRoles: [], includeUsers: [], includeGroups: [], excludeUsers: some(breakGlass, 0.8), excludeGroups: some(exclusionGroups, 0.5), excludeRoles: [] };
  const conditions: Record<string, unknown> = { clientAppTypes: ['all'], applications: { includeApplications: ['All'], excludeApplications: [] }, users };
  let grant: Record<string, unknown> = { operator: 'OR', builtInControls: ['mfa'] };
  let state = rand() < 0.85 ? 'enabled' : 'enabledForReportingButNotEnforced';
  switch (kind) {
    case 'adminMfa':
      users.includeRoles = some(roles, 0.3);
      // Exceptions for a team or a project: admins in them may be left unprotected.
      users.excludeGroups = [...(users.excludeGroups as string[]), ...some(groups.slice(2, 12), 0.3)];
      if (rand() < 0.5) conditions.clientAppTypes = ['browser', 'mobileAppsAndDesktopClients'];
      break;
    case 'legacyBlock':
      users.includeUsers = ['All'];
      conditions.clientAppTypes = ['exchangeActiveSync', 'other'];
      grant = { operator: 'OR', builtInControls: ['block'] };
      break;
    case 'location':
      users.includeRoles = some(roles, 0.5);
      conditions.locations = rand() < 0.5
        ? { includeLocations: ['All'], excludeLocations: ['AllTrusted', ...some(locations, 0.1)] }
        : { includeLocations: some(locations, 0.2), excludeLocations: [] };
      break;
    case 'platform':
      users.includeUsers = ['All'];
      users.excludeRoles = some(roles, 0.1);
      conditions.platforms = { includePlatforms: ['all'], excludePlatforms: ['android', 'iOS', 'windows', 'macOS', 'linux'] };
      grant = { operator: 'OR', builtInControls: ['block'] };
      break;
    case 'app':
      users.includeRoles = some(roles, 0.4);
      conditions.applications = rand() < 0.5
        ? { includeApplications: ['Office365', ...some(apps, 0.1)], excludeApplications: [] }
        : { includeApplications: ['All'], excludeApplications: ['Office365', ...some(apps, 0.05)] };
      break;
    case 'risk':
      users.includeUsers = ['All'];
      conditions.signInRiskLevels = some(['low', 'medium', 'high'], 0.6);
      conditions.userRiskLevels = rand() < 0.3 ? ['high'] : [];
      break;
    case 'device':
      users.includeRoles = some(roles, 0.5);
      grant = { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] };
      if (rand() < 0.3) conditions.devices = { deviceFilter: { mode: 'exclude', rule: 'device.trustType -eq "ServerAD"' } };
      break;
    case 'groups':
      users.includeGroups = some(groups.slice(2, 30), 0.2);
      users.excludeGroups = some(groups.slice(30), 0.1);
      break;
    default:
      users.includeRoles = some(roles, 0.7);
      state = 'disabled';
  }
  return { id: guid('f', i), displayName: `${kind} ${i}`, state, conditions, grantControls: grant } as ConditionalAccessPolicy;
}

function admin(i: number): AdminSubject {
  // Most admins hold one role, some two or three; a third are eligible for one more.
  const r = rand();
  const held = [...new Set(Array.from({ length: r < 0.7 ? 1 : r < 0.95 ? 2 : 3 }, () => pick(roles)))];
  const eligible = rand() < 0.3 ? [pick(roles)] : [];
  return {
    id: i < breakGlass.length ? (breakGlass[i] as string) : guid('d', i),
    activeRoleIds: rand() < 0.2 ? [] : held,
    eligibleRoleIds: eligible,
    groupIds: [...some(groups.slice(2, 12), 0.05), ...some(tenantGroups, 0.005)],
  };
}

const policies = Array.from({ length: POLICIES }, (_, i) => policy(i));
const admins = Array.from({ length: ADMINS }, (_, i) => admin(i));

function timed<T>(work: () => T): { value: T; ms: number } {
  const start = process.hrtime.bigint();
  const value = work();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

const options = { breakGlassIds: breakGlass, exclusionGroupIds: exclusionGroups, namedLocations: locations.map((id, i) => ({ '@odata.type': '#microsoft.graph.ipNamedLocation', id, isTrusted: i % 3 === 0 })) };
const read = timed(() => createCoverageEngine(policies, options));
const engine = read.value;
// The first pass also pays for compiling the engine's code; a status refresh runs warm.
const grouped = timed(() => evaluateAdmins(engine, admins));
const warm = timed(() => evaluateAdmins(engine, admins));
const alone = timed(() => admins.map((a) => evaluateAdmin(engine, a)));
const perRole = timed(() => roles.map((r) => evaluateRole(engine, r)));

const verdicts = grouped.value.admins;
const count = (v: boolean | 'excluded') => verdicts.filter((a) => a.caCovered === v).length;
const atoms = engine.space.atoms.map((a) => a.length).join(' × ');
const lines = [
  `coverage engine: ${POLICIES} policies, ${ADMINS} admins (sign-in space ${atoms} atoms)`,
  `  read policies                 ${read.ms.toFixed(1)} ms`,
  `  judge every admin, grouped    ${grouped.ms.toFixed(1)} ms first run, ${warm.ms.toFixed(1)} ms warm; ${grouped.value.signatures} distinct signatures evaluated`,
  `  judge each admin on their own ${alone.ms.toFixed(1)} ms`,
  `  judge the ${roles.length} roles            ${perRole.ms.toFixed(1)} ms`,
  `  admins covered ${count(true)}, not covered ${count(false)}, excluded ${count('excluded')}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
