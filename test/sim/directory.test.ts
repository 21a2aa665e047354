import assert from 'node:assert/strict';
import { ROLE } from '../../src/domain/roles';
import { demoTenant } from '../../src/sim/demo';
import type { TenantFixture } from '../../src/sim/fixture';
import { call, collect, errorOf, values, withSim } from './helpers';

const TIER0 = '6a22a918-9236-4277-909d-718e4f4e3f2b';
const HR_SP = '7d184ae9-2064-49f4-8fa0-6faf9bce4d28';
const BEN = 'c8099e83-6f70-4d62-a943-1cbc75eb29f6';
const IRVIN = '4c157914-c397-413c-a8d3-d864919b9a57';
const ALEX = 'ac643316-47da-40f0-b2b8-10b985d45628';

function withoutPlan(t: TenantFixture, ...names: string[]): TenantFixture {
  for (const sku of t.subscribedSkus) sku.servicePlans = sku.servicePlans.filter((p) => !names.includes(p.servicePlanName));
  return t;
}

describe('simulated directory and role management', () => {
  it('expands principals of every kind with @odata.type and their identifying fields', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const rows = values(await call(sim, '/roleManagement/directory/roleAssignments?$expand=principal&$top=100'));
      const principals = rows.map((r) => r.principal as Record<string, unknown>);
      const user = principals.find((p) => p['@odata.type'] === '#microsoft.graph.user');
      assert.ok(user && typeof user.userPrincipalName === 'string' && typeof user.accountEnabled === 'boolean' && user.displayName);
      assert.deepEqual(principals.find((p) => p.id === TIER0),
        { '@odata.type': '#microsoft.graph.group', id: TIER0, displayName: 'Tier0 Identity Admins', isAssignableToRole: true, securityEnabled: true });
      const sp = principals.find((p) => p.id === HR_SP);
      assert.equal(sp?.['@odata.type'], '#microsoft.graph.servicePrincipal');
      assert.equal(sp?.displayName, 'Contoso HR Provisioning');
      assert.equal(typeof sp?.appId, 'string');
      const selected = values(await call(sim, '/roleManagement/directory/roleAssignments?$expand=principal&$select=principalId'));
      assert.ok(selected.every((r) => Object.keys(r).sort().join() === 'principal,principalId'), '$select keeps the expansion');
    });
  });

  it('returns only @odata.type and id for principals the app may not read', async () => {
    await withSim({ tenant: demoTenant(), grantedPermissions: ['RoleManagement.Read.Directory'] }, async (sim) => {
      const rows = values(await call(sim, '/roleManagement/directory/roleAssignments?$expand=principal'));
      assert.ok(rows.every((r) => Object.keys(r.principal as object).sort().join() === '@odata.type,id'));
    });
  });

  it('rejects expansions it does not know and two at once', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      assert.equal((await call(sim, '/roleManagement/directory/roleAssignments?$expand=directoryScope')).status, 400);
      assert.equal((await call(sim, '/roleManagement/directory/roleAssignments?$expand=principal,roleDefinition')).status, 400);
      const withDef = values(await call(sim, `/roleManagement/directory/roleAssignments?$expand=roleDefinition&$filter=principalId eq '${ALEX}'`));
      assert.equal((withDef[0]?.roleDefinition as { displayName: string }).displayName, 'Global Administrator');
    });
  });

  it('lists transitive members through nested groups, users only for the cast, with $count', async () => {
    await withSim({ tenant: demoTenant(), maxPageSize: 2 }, async (sim) => {
      const all = await collect(sim, `/groups/${TIER0}/transitiveMembers`);
      assert.deepEqual(all.items.map((m) => m['@odata.type']).sort(),
        ['#microsoft.graph.group', '#microsoft.graph.user', '#microsoft.graph.user', '#microsoft.graph.user', '#microsoft.graph.user']);
      const cast = `/groups/${TIER0}/transitiveMembers/microsoft.graph.user?$count=true&$select=id,userPrincipalName,displayName,accountEnabled&$top=999`;
      const first = await call(sim, cast, { headers: { ConsistencyLevel: 'eventual' } });
      assert.equal(first.body['@odata.count'], 4);
      const users = await collect(sim, cast, { ConsistencyLevel: 'eventual' });
      assert.equal(users.items.length, 4);
      assert.ok(users.items.some((u) => u.id === BEN), 'member of the nested group');
      assert.ok(users.items.every((u) => Object.keys(u).sort().join() === 'accountEnabled,displayName,id,userPrincipalName'));
      assert.equal((await call(sim, '/groups/nope/transitiveMembers')).status, 404);
      assert.equal((await call(sim, `/groups/${TIER0}`)).body.isAssignableToRole, true);
      assert.equal('members' in (await call(sim, `/groups/${TIER0}`)).body, false, 'members is sim-only');
      assert.equal((await call(sim, `/servicePrincipals/${HR_SP}`)).body.displayName, 'Contoso HR Provisioning');
    });
  });

  it('answers 400 AadPremiumLicenseRequired for PIM on a P1-only tenant', async () => {
    await withSim({ tenant: withoutPlan(demoTenant(), 'AAD_PREMIUM_P2') }, async (sim) => {
      for (const path of ['/roleManagement/directory/roleEligibilityScheduleInstances', '/roleManagement/directory/roleEligibilitySchedules']) {
        const reply = await call(sim, path);
        assert.equal(reply.status, 400);
        assert.equal(errorOf(reply).code, 'AadPremiumLicenseRequired');
        assert.match(errorOf(reply).message, /P2 or Entra ID Governance/);
      }
      assert.equal((await call(sim, '/reports/authenticationMethods/userRegistrationDetails')).status, 200, 'P1 is enough for the report');
    });
  });

  it('serves only eligibility in force as instances, and every schedule', async () => {
    const tenant = demoTenant();
    tenant.roleEligibilitySchedules.push({
      id: 'expired-1', principalId: ALEX, roleDefinitionId: ROLE.securityAdministrator, directoryScopeId: '/',
      startDateTime: '2024-01-01T00:00:00Z', endDateTime: '2025-01-01T00:00:00Z',
    });
    await withSim({ tenant }, async (sim) => {
      const instances = values(await call(sim, '/roleManagement/directory/roleEligibilityScheduleInstances?$top=100'));
      const schedules = values(await call(sim, '/roleManagement/directory/roleEligibilitySchedules?$top=100'));
      assert.equal(instances.some((i) => i.id === 'expired-1'), false);
      const expired = schedules.find((s) => s.id === 'expired-1');
      assert.equal((expired?.scheduleInfo as { expiration: { type: string } }).expiration.type, 'afterDateTime');
      assert.equal(schedules.length, instances.length + 1);
      assert.ok(instances.every((i) => i.memberType && i.roleEligibilityScheduleId && 'endDateTime' in i));
    });
  });

  it('reads an eligibility\'s window from scheduleInfo when the fixture uses the schedule\'s shape', async () => {
    const tenant = demoTenant();
    const scheduled = (id: string, startDateTime: string, expiration: Record<string, unknown>) => ({
      id, principalId: ALEX, roleDefinitionId: ROLE.securityAdministrator, directoryScopeId: '/', scheduleInfo: { startDateTime, expiration },
    });
    tenant.roleEligibilitySchedules.push(
      scheduled('ended', '2024-01-01T00:00:00Z', { type: 'afterDateTime', endDateTime: '2025-01-01T00:00:00Z' }),
      scheduled('lapsed', '2026-01-01T00:00:00Z', { type: 'afterDuration', duration: 'P30D' }),
      scheduled('later', '2027-01-01T00:00:00Z', { type: 'noExpiration' }),
      scheduled('current', '2026-11-01T00:00:00Z', { type: 'afterDuration', duration: 'P90D' }),
    );
    await withSim({ tenant, now: () => new Date('2026-11-26T10:00:00Z') }, async (sim) => {
      const instances = values(await call(sim, '/roleManagement/directory/roleEligibilityScheduleInstances?$top=100'));
      const ids = new Set(instances.map((i) => i.id));
      assert.deepEqual(['ended', 'lapsed', 'later', 'current'].filter((id) => ids.has(id)), ['current']);
      const current = instances.find((i) => i.id === 'current');
      assert.equal(current?.startDateTime, '2026-11-01T00:00:00Z');
      assert.equal(current?.endDateTime, '2027-01-30T00:00:00.000Z');
    });
  });

  it('returns a registration row by id, and 404 in Graph\'s shape when there is none', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const row = await call(sim, `/reports/authenticationMethods/userRegistrationDetails/${ALEX}`);
      assert.equal(row.status, 200);
      assert.equal(row.body.isAdmin, true);
      assert.deepEqual(row.body.methodsRegistered, []);
      const none = await call(sim, `/reports/authenticationMethods/userRegistrationDetails/${IRVIN}`);
      assert.equal(none.status, 404);
      const error = errorOf(none) as { code: string; message: string; innerError?: Record<string, string> };
      assert.equal(error.code, 'Request_ResourceNotFound');
      assert.ok(error.innerError?.['request-id']);
    });
  });

  it('reports isAdmin only for active direct assignments (not eligible, not group-based)', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      assert.equal((await call(sim, `/reports/authenticationMethods/userRegistrationDetails/${BEN}`)).body.isAdmin, false, 'group member');
      const henrietta = '955f8006-61f1-4fa2-9454-f4a6e2218dcd';
      assert.equal((await call(sim, `/reports/authenticationMethods/userRegistrationDetails/${henrietta}`)).body.isAdmin, false, 'eligible only');
    });
  });

  it('answers 403 for reports and sign-ins on a tenant without a premium licence', async () => {
    await withSim({ tenant: withoutPlan(demoTenant(), 'AAD_PREMIUM', 'AAD_PREMIUM_P2') }, async (sim) => {
      for (const path of ['/reports/authenticationMethods/userRegistrationDetails', `/reports/authenticationMethods/userRegistrationDetails/${ALEX}`, '/auditLogs/signIns']) {
        const reply = await call(sim, path);
        assert.equal(reply.status, 403, path);
        assert.equal(errorOf(reply).code, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
      }
    });
  });

  it('serves licences, security defaults, strengths and Secure Score newest first', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      assert.ok(values(await call(sim, '/subscribedSkus')).some((s) => s.skuPartNumber === 'SPE_E5'));
      assert.deepEqual((await call(sim, '/policies/identitySecurityDefaultsEnforcementPolicy?$select=isEnabled')).body,
        { '@odata.context': `${sim.url}/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy(isEnabled)/$entity`, isEnabled: false });
      assert.equal((await call(sim, '/policies/identitySecurityDefaultsEnforcementPolicy')).body.id, '00000000-0000-0000-0000-000000000005');
      assert.equal(values(await call(sim, '/policies/authenticationStrengthPolicies')).length, 3);
      const [newest] = values(await call(sim, '/security/secureScores?$top=1'));
      assert.equal(newest?.createdDateTime, '2026-11-26T00:00:00Z');
      assert.equal((await call(sim, '/security/secureScoreControlProfiles/AdminMFAV2')).body.maxScore, 10);
      assert.equal((await call(sim, '/security/secureScoreControlProfiles/AdminMFA')).status, 404);
    });
  });
});
