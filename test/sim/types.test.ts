/**
 * Every route of the simulated Graph answers with Graph's v1.0 types (test/support/graphTypes.ts):
 * no invented properties, no wrong types, null only where Graph allows it, and enum members after
 * `unknownFutureValue` only for a client that asked for them. Each route is called on three
 * tenants (the demo tenant, a generated one and a fixture of test/fixtures), with and without
 * `Prefer: include-unknown-enum-members`; a route without a case here fails the test.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoTenant } from '../../src/sim/demo';
import { parseFixture, type TenantFixture } from '../../src/sim/fixture';
import { generateTenant } from '../../src/sim/generate';
import { ROUTES } from '../../src/sim/handlers';
import { installationId } from '../../src/sim/handlers/teams';
import { MFABOT_TEAMS_APP_EXTERNAL_ID } from '../../src/sim/defaults';
import { defaultPolicyId } from '../../src/sim/pim';
import { PIM_SETTINGS_QUERY } from '../../src/graph/pimGateway';
import type { Simulator } from '../../src/sim/server';
import { checkGraphBody, GRAPH_TYPES, type CheckOptions } from '../support/graphTypes';
import { call, withSim } from './helpers';

/**
 * Properties Graph returns beyond its metadata: Secure Score's control scores carry untyped extras
 * (Microsoft's own example response: learn.microsoft.com/graph/api/security-list-securescores).
 */
const OBSERVED_EXTRAS: CheckOptions['extras'] = {
  controlScore: ['scoreInPercentage', 'implementationStatus', 'lastSynced', 'count', 'total', 'controlState', 'on', 'IsApplicable', 'lastSyncedDateTime'],
};

interface Case {
  /** Request target relative to /v1.0. */
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Response type; null: no body expected. */
  type: string | null;
  status?: number;
}

type Ids = Record<'user' | 'group' | 'sp' | 'role' | 'policy' | 'strength' | 'profile' | 'app' | 'installed' | 'installation' | 'pimPolicy', string>;

function idsOf(t: TenantFixture): Ids {
  const catalogApp = (t.teamsApps ?? []).find((a) => a.externalId === MFABOT_TEAMS_APP_EXTERNAL_ID)?.id ?? '';
  const holder = Object.entries(t.userInstalledApps ?? {}).find(([, apps]) => apps.includes(catalogApp))?.[0];
  // Installation routes are called only where some user has the app.
  const app = holder ? catalogApp : '';
  const installed = holder ?? t.users[0]?.id ?? '';
  return {
    user: t.users[0]?.id ?? '',
    group: t.groups.find((g) => g.isAssignableToRole && g.members.length > 0)?.id ?? t.groups[0]?.id ?? '',
    sp: t.servicePrincipals[0]?.id ?? '',
    role: '62e90394-69f5-4237-9190-012177145e10',
    policy: t.conditionalAccessPolicies[0]?.id ?? '',
    strength: t.authenticationStrengthPolicies[0]?.id ?? '',
    profile: t.secureScoreControlProfiles?.[0]?.id ?? 'AdminMFAV2',
    app,
    installed,
    installation: installationId(installed, app),
    pimPolicy: t.roleManagementPolicies?.[0]?.id ?? defaultPolicyId(t.organization.id, '62e90394-69f5-4237-9190-012177145e10'),
  };
}

const NEW_POLICY = {
  displayName: 'Types check', state: 'enabledForReportingButNotEnforced',
  conditions: { clientAppTypes: ['all'], applications: { includeApplications: ['All'] }, users: { includeRoles: ['62e90394-69f5-4237-9190-012177145e10'] } },
  grantControls: { operator: 'OR', builtInControls: ['mfa'] },
};

/** Requests per route (`METHOD /template`), each with the type Graph documents for its answer. */
function cases(ids: Ids): Record<string, Case[]> {
  const rm = '/roleManagement/directory';
  const report = '/reports/authenticationMethods/userRegistrationDetails';
  const ca = '/identity/conditionalAccess/policies';
  const installed = `/users/${ids.installed}/teamwork/installedApps`;
  return {
    'GET /organization': [{ path: '/organization', type: 'Collection(organization)' }],
    'GET /users': [
      { path: '/users', type: 'Collection(user)' },
      { path: '/users?$select=id,displayName,userPrincipalName,accountEnabled,userType,mail&$orderby=displayName', type: 'Collection(user)' },
    ],
    'GET /users/{id}': [{ path: `/users/${ids.user}`, type: 'user' }, { path: `/users/${ids.user}?$select=id,accountEnabled`, type: 'user' }],
    'GET /groups/{id}': [{ path: `/groups/${ids.group}`, type: 'group' }],
    'GET /groups/{id}/transitiveMembers': [{ path: `/groups/${ids.group}/transitiveMembers`, type: 'Collection(directoryObject)' }],
    'GET /groups/{id}/transitiveMembers/microsoft.graph.user': [{
      path: `/groups/${ids.group}/transitiveMembers/microsoft.graph.user?$count=true&$select=id,userPrincipalName,displayName,accountEnabled`,
      headers: { ConsistencyLevel: 'eventual' }, type: 'Collection(user)',
    }],
    'GET /servicePrincipals/{id}': ids.sp ? [{ path: `/servicePrincipals/${ids.sp}`, type: 'servicePrincipal' }] : [],
    'GET /subscribedSkus': [{ path: '/subscribedSkus', type: 'Collection(subscribedSku)' }],
    'GET /users/{id}/authentication/methods': [{ path: `/users/${ids.user}/authentication/methods`, type: 'Collection(authenticationMethod)' }],
    'GET /roleManagement/directory/roleDefinitions': [{ path: `${rm}/roleDefinitions`, type: 'Collection(unifiedRoleDefinition)' }],
    'GET /roleManagement/directory/roleDefinitions/{id}': [{ path: `${rm}/roleDefinitions/${ids.role}`, type: 'unifiedRoleDefinition' }],
    'GET /roleManagement/directory/roleAssignments': [
      { path: `${rm}/roleAssignments`, type: 'Collection(unifiedRoleAssignment)' },
      { path: `${rm}/roleAssignments?$expand=principal`, type: 'Collection(unifiedRoleAssignment)' },
      { path: `${rm}/roleAssignments?$expand=roleDefinition`, type: 'Collection(unifiedRoleAssignment)' },
    ],
    'GET /roleManagement/directory/roleEligibilityScheduleInstances': [
      { path: `${rm}/roleEligibilityScheduleInstances?$expand=principal`, type: 'Collection(unifiedRoleEligibilityScheduleInstance)' },
    ],
    'GET /roleManagement/directory/roleEligibilitySchedules': [{ path: `${rm}/roleEligibilitySchedules`, type: 'Collection(unifiedRoleEligibilitySchedule)' }],
    [`GET ${report}`]: [{ path: report, type: 'Collection(userRegistrationDetails)' }, { path: `${report}?$orderby=userPrincipalName desc`, type: 'Collection(userRegistrationDetails)' }],
    [`GET ${report}/{id}`]: [{ path: `${report}/${ids.user}`, type: 'userRegistrationDetails', status: 0 }],
    [`GET ${ca}`]: [{ path: ca, type: 'Collection(conditionalAccessPolicy)' }],
    'GET /identity/conditionalAccess/namedLocations': [
      { path: '/identity/conditionalAccess/namedLocations', type: 'Collection(namedLocation)' },
    ],
    [`GET ${ca}/{id}`]: ids.policy ? [{ path: `${ca}/${ids.policy}`, type: 'conditionalAccessPolicy' }] : [],
    [`POST ${ca}`]: [{ path: ca, method: 'POST', body: NEW_POLICY, type: 'conditionalAccessPolicy', status: 201 }],
    [`PATCH ${ca}/{id}`]: ids.policy ? [{ path: `${ca}/${ids.policy}`, method: 'PATCH', body: { displayName: 'Renamed' }, type: null, status: 204 }] : [],
    [`DELETE ${ca}/{id}`]: [],
    'GET /policies/identitySecurityDefaultsEnforcementPolicy': [{ path: '/policies/identitySecurityDefaultsEnforcementPolicy', type: 'identitySecurityDefaultsEnforcementPolicy' }],
    'PATCH /policies/identitySecurityDefaultsEnforcementPolicy': [],
    'GET /policies/authenticationStrengthPolicies': [{ path: '/policies/authenticationStrengthPolicies', type: 'Collection(authenticationStrengthPolicy)' }],
    'GET /policies/authenticationStrengthPolicies/{id}': [{ path: `/policies/authenticationStrengthPolicies/${ids.strength}`, type: 'authenticationStrengthPolicy' }],
    'GET /security/secureScores': [{ path: '/security/secureScores', type: 'Collection(secureScore)' }],
    'GET /security/secureScoreControlProfiles': [{ path: '/security/secureScoreControlProfiles', type: 'Collection(secureScoreControlProfile)' }],
    'GET /security/secureScoreControlProfiles/{id}': [{ path: `/security/secureScoreControlProfiles/${ids.profile}`, type: 'secureScoreControlProfile', status: 0 }],
    'GET /auditLogs/signIns': [{ path: '/auditLogs/signIns', type: 'Collection(signIn)' }],
    'GET /appCatalogs/teamsApps': [{ path: '/appCatalogs/teamsApps', type: 'Collection(teamsApp)' }],
    'GET /users/{id}/teamwork/installedApps': [
      { path: installed, type: 'Collection(userScopeTeamsAppInstallation)' },
      { path: `${installed}?$expand=teamsApp`, type: 'Collection(userScopeTeamsAppInstallation)' },
    ],
    'POST /users/{id}/teamwork/installedApps': [],
    'GET /users/{id}/teamwork/installedApps/{installationId}': ids.app
      ? [{ path: `${installed}/${ids.installation}?$expand=teamsApp`, type: 'userScopeTeamsAppInstallation' }] : [],
    'GET /users/{id}/teamwork/installedApps/{installationId}/chat': ids.app ? [{ path: `${installed}/${ids.installation}/chat`, type: 'chat' }] : [],
    'GET /policies/roleManagementPolicyAssignments': [
      { path: PIM_SETTINGS_QUERY, type: 'Collection(unifiedRoleManagementPolicyAssignment)' },
      { path: "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'", type: 'Collection(unifiedRoleManagementPolicyAssignment)' },
    ],
    'GET /policies/roleManagementPolicies/{id}': [{ path: `/policies/roleManagementPolicies/${ids.pimPolicy}?$expand=rules`, type: 'unifiedRoleManagementPolicy' }],
    'PATCH /policies/roleManagementPolicies/{policyId}/rules/{ruleId}': [{
      path: `/policies/roleManagementPolicies/${ids.pimPolicy}/rules/Enablement_EndUser_Assignment`, method: 'PATCH', type: null, status: 204,
      body: {
        '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules: ['Justification', 'Ticketing'],
        target: { '@odata.type': 'microsoft.graph.unifiedRoleManagementPolicyRuleTarget', caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] },
      },
    }],
    'POST /$batch': [],
  };
}

/** Routes answered without a body, or checked by other cases (the batch re-serves the routes above). */
const NO_BODY = new Set([
  'DELETE /identity/conditionalAccess/policies/{id}', 'PATCH /policies/identitySecurityDefaultsEnforcementPolicy',
  'POST /users/{id}/teamwork/installedApps', 'POST /$batch',
]);

function tenants(): Array<[string, TenantFixture]> {
  const fabrikam = parseFixture(JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'fabrikam.json'), 'utf8')));
  return [['demo', demoTenant()], ['generated', generateTenant({ users: 300, admins: 30, seed: 7 })], ['fabrikam', fabrikam]];
}

async function check(sim: Simulator, c: Case, lateEnumMembers: boolean): Promise<string[]> {
  const headers = { ...c.headers, ...(lateEnumMembers ? { Prefer: 'include-unknown-enum-members' } : {}) };
  const reply = await call(sim, c.path, { method: c.method ?? 'GET', body: c.body, headers });
  const where = `${c.method ?? 'GET'} ${c.path}${lateEnumMembers ? ' (Prefer)' : ''}`;
  // status 0: the tenant may lack the object (404 is then Graph's answer too).
  if (c.status === 0 && reply.status === 404) return [];
  if (reply.status !== (c.status || 200)) return [`${where}: HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`];
  if (c.type === null) return Object.keys(reply.body).length === 0 ? [] : [`${where}: expected no body`];
  return checkGraphBody(reply.body, c.type, { lateEnumMembers, extras: OBSERVED_EXTRAS }).map((p) => `${where}: ${p}`);
}

describe('simulated Graph answers with Graph\'s v1.0 types', () => {
  it('keeps the types with their source (msgraph-metadata and the commit)', () => {
    assert.match(GRAPH_TYPES.source, /msgraph-metadata/);
    assert.match(GRAPH_TYPES.source, /commit [0-9a-f]{7,}/);
  });

  it('has a case for every route of the simulator', () => {
    const known = Object.keys(cases(idsOf(demoTenant())));
    const routes = ROUTES.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(routes.filter((r) => !known.includes(r)), [], 'add these routes to cases() here');
    assert.deepEqual(known.filter((k) => !routes.includes(k)), [], 'cases for routes that do not exist');
    for (const r of routes) assert.ok(NO_BODY.has(r) || (cases(idsOf(demoTenant()))[r] ?? []).length > 0, `${r} has no request`);
  });

  for (const [name, make] of tenants()) {
    it(`every route, on the ${name} tenant, with and without Prefer: include-unknown-enum-members`, async () => {
      const tenant = make;
      // Late enum members must occur somewhere, or the Prefer check proves nothing.
      tenant.conditionalAccessPolicies.push({
        id: '0a1b2c3d-0000-4000-8000-00000000aaaa', displayName: 'Linux risk remediation', state: 'disabled',
        conditions: {
          clientAppTypes: ['all'], applications: { includeApplications: ['All'] }, users: { includeUsers: ['All'] },
          platforms: { includePlatforms: ['linux'], excludePlatforms: [] },
        },
        grantControls: { operator: 'AND', builtInControls: ['mfa', 'riskRemediation'] },
      } as TenantFixture['conditionalAccessPolicies'][number]);
      await withSim({ tenant }, async (sim) => {
        const problems: string[] = [];
        for (const list of Object.values(cases(idsOf(sim.state)))) {
          for (const c of list.filter((x) => !x.method || x.method === 'GET')) {
            problems.push(...await check(sim, c, false), ...await check(sim, c, true));
          }
        }
        // The same reads inside one $batch: each item's body has the route's type.
        const reads = Object.values(cases(idsOf(sim.state))).flatMap((list) => list.filter((x) => !x.method && x.status !== 0)).slice(0, 20);
        const batch = await call(sim, '/$batch', {
          method: 'POST', body: { requests: reads.map((c, i) => ({ id: String(i), method: 'GET', url: c.path, ...(c.headers ? { headers: c.headers } : {}) })) },
        });
        assert.equal(batch.status, 200);
        for (const item of batch.body.responses as Array<{ id: string; status: number; body: unknown }>) {
          const c = reads[Number(item.id)] as Case;
          if (item.status !== 200) problems.push(`$batch ${c.path}: HTTP ${item.status}`);
          else problems.push(...checkGraphBody(item.body, c.type ?? '', { lateEnumMembers: false, extras: OBSERVED_EXTRAS }).map((p) => `$batch ${c.path}: ${p}`));
        }
        // Writes last: they change what the reads above see.
        for (const list of Object.values(cases(idsOf(sim.state)))) {
          for (const c of list.filter((x) => x.method && x.method !== 'GET')) problems.push(...await check(sim, c, false));
        }
        assert.deepEqual(problems, []);
      });
    });
  }

  it('serves late enum members as unknownFutureValue without the Prefer header', async () => {
    const tenant = demoTenant();
    tenant.conditionalAccessPolicies.push({
      id: '0a1b2c3d-0000-4000-8000-00000000bbbb', displayName: 'Linux', state: 'disabled',
      conditions: { clientAppTypes: ['all'], applications: { includeApplications: ['All'] }, users: { includeUsers: ['All'] }, platforms: { includePlatforms: ['linux', 'iOS'] } },
      grantControls: { operator: 'AND', builtInControls: ['mfa', 'riskRemediation'] },
    } as TenantFixture['conditionalAccessPolicies'][number]);
    await withSim({ tenant }, async (sim) => {
      const path = '/identity/conditionalAccess/policies/0a1b2c3d-0000-4000-8000-00000000bbbb';
      const plain = (await call(sim, path)).body as { grantControls: { builtInControls: string[] }; conditions: { platforms: { includePlatforms: string[] } } };
      assert.deepEqual(plain.grantControls.builtInControls, ['mfa', 'unknownFutureValue']);
      assert.deepEqual(plain.conditions.platforms.includePlatforms, ['unknownFutureValue', 'iOS']);
      const asked = (await call(sim, path, { headers: { Prefer: 'include-unknown-enum-members' } })).body as typeof plain;
      assert.deepEqual(asked.grantControls.builtInControls, ['mfa', 'riskRemediation']);
      assert.deepEqual(asked.conditions.platforms.includePlatforms, ['linux', 'iOS']);
    });
  });

  it('the checker itself refuses invented properties, wrong types, bad nulls and late enum members', () => {
    const opts = { lateEnumMembers: false };
    assert.deepEqual(checkGraphBody({ value: [{ id: 'x', displayName: 'a' }] }, 'Collection(user)', opts), []);
    assert.equal(checkGraphBody({ value: [{ id: 'x', nickName: 'a' }] }, 'Collection(user)', opts).length, 1, 'invented');
    assert.equal(checkGraphBody({ id: 'x', accountEnabled: 'yes' }, 'user', opts).length, 1, 'wrong type');
    assert.equal(checkGraphBody({ id: 'x', isMfaRegistered: null }, 'userRegistrationDetails', opts).length, 1, 'not nullable');
    assert.equal(checkGraphBody({ id: 'x', state: 'on' }, 'conditionalAccessPolicy', opts).length, 1, 'not a member');
    assert.equal(checkGraphBody({ id: 'x', grantControls: { builtInControls: ['riskRemediation'] } }, 'conditionalAccessPolicy', opts).length, 1, 'late member');
    assert.deepEqual(checkGraphBody({ id: 'x', grantControls: { builtInControls: ['riskRemediation'] } }, 'conditionalAccessPolicy', { lateEnumMembers: true }), []);
    assert.deepEqual(checkGraphBody({ '@odata.type': '#microsoft.graph.group', id: 'g', isAssignableToRole: true }, 'directoryObject', opts), [], 'derived type');
    assert.equal(checkGraphBody({ '@odata.type': '#microsoft.graph.signIn', id: 'g' }, 'directoryObject', opts).length, 1, 'not derived');
    assert.equal(checkGraphBody({ id: 'x', createdDateTime: 'yesterday' }, 'signIn', opts).length, 1, 'bad date');
  });
});
