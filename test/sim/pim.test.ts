/**
 * The simulated PIM role settings: Microsoft's defaults where a fixture says nothing, the list with
 * its required scope filter and nested expansion, and the rule update validated as Graph would, with
 * Entra ID P2, the permission and the delegated-only reading (a fault) enforced.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFixture, type TenantFixture } from '../../src/sim/fixture';
import { demoTenant } from '../../src/sim/demo';
import { defaultPolicyId } from '../../src/sim/pim';
import { PIM_SETTINGS_QUERY } from '../../src/graph/pimGateway';
import { call, errorOf, values, withSim } from './helpers';

const GA = '62e90394-69f5-4237-9190-012177145e10';
const TARGET = { caller: 'EndUser', operations: ['All'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] };
const ENABLEMENT = '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule';

function fixture(name: string): TenantFixture {
  return parseFixture(JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8')));
}

function rulePath(tenant: TenantFixture, roleId = GA, rule = 'Enablement_EndUser_Assignment'): string {
  return `/policies/roleManagementPolicies/${defaultPolicyId(tenant.organization.id, roleId)}/rules/${rule}`;
}

describe('simulated PIM role settings', () => {
  it('gives every role a policy with Microsoft\'s rules, activation asking for a justification only', async () => {
    const tenant = demoTenant();
    await withSim({ tenant }, async (sim) => {
      const reply = await call(sim, PIM_SETTINGS_QUERY);
      assert.equal(reply.status, 200);
      const rows = values(reply) as Array<{ roleDefinitionId: string; policy: { rules: Array<{ id: string; enabledRules?: string[] }> } }>;
      assert.equal(rows.length, sim.state.roleDefinitions.length, 'one policy per role definition');
      const ga = rows.find((r) => r.roleDefinitionId === GA);
      assert.equal(ga?.policy.rules.length, 17);
      assert.deepEqual(ga?.policy.rules.find((r) => r.id === 'Enablement_EndUser_Assignment')?.enabledRules, ['Justification']);
      assert.ok(ga?.policy.rules.some((r) => r.id === 'AuthenticationContext_EndUser_Assignment'));

      const plain = values(await call(sim, "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'"));
      assert.ok(plain.every((r) => !('policy' in r)), 'the policy only when expanded');
      assert.equal(errorOf(await call(sim, '/policies/roleManagementPolicyAssignments')).code, 'InvalidFilter', 'the scope filter is required');
      assert.equal((await call(sim, "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=rules")).status, 400);
    });
  });

  it('keeps a fixture\'s rules and fills in the ones it leaves out', async () => {
    await withSim({ tenant: fixture('fabrikam-pim.json') }, async (sim) => {
      const rows = values(await call(sim, PIM_SETTINGS_QUERY)) as Array<{ roleDefinitionId: string; policy: { rules: Array<{ id: string; enabledRules?: string[]; claimValue?: string }> } }>;
      const ga = rows.find((r) => r.roleDefinitionId === GA);
      assert.deepEqual(ga?.policy.rules.find((r) => r.id === 'Enablement_EndUser_Assignment')?.enabledRules, ['MultiFactorAuthentication', 'Justification']);
      assert.equal(ga?.policy.rules.length, 17);
      const exchange = rows.find((r) => r.roleDefinitionId === '29232cdf-9323-42fd-ade2-1d097af3e4de');
      assert.equal(exchange?.policy.rules.find((r) => r.id === 'AuthenticationContext_EndUser_Assignment')?.claimValue, 'c1');
    });
  });

  it('updates one rule, keeping the others, and refuses what Graph refuses', async () => {
    const tenant = demoTenant();
    await withSim({ tenant }, async (sim) => {
      const path = rulePath(tenant);
      const good = { '@odata.type': ENABLEMENT, id: 'Enablement_EndUser_Assignment', enabledRules: ['Justification', 'MultiFactorAuthentication'], target: TARGET };
      const refusals: Array<[string, unknown]> = [
        ['no type', { ...good, '@odata.type': undefined }],
        ['another type', { ...good, '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule' }],
        ['another id', { ...good, id: 'Enablement_Admin_Assignment' }],
        ['no target', { ...good, target: undefined }],
        ['another caller', { ...good, target: { ...TARGET, caller: 'Admin' } }],
        ['an unknown rule', { ...good, enabledRules: ['Justification', 'Approval'] }],
        ['a rule twice', { ...good, enabledRules: ['Justification', 'Justification'] }],
        ['a property of another type', { ...good, isEnabled: true }],
      ];
      for (const [name, body] of refusals) assert.equal((await call(sim, path, { method: 'PATCH', body })).status, 400, name);
      const policy = () => (sim.state.roleManagementPolicies ?? []).find((p) => p.id === defaultPolicyId(tenant.organization.id, GA));
      const before = structuredClone(policy()?.rules);
      assert.deepEqual(before?.find((r) => r.id === 'Enablement_EndUser_Assignment')?.enabledRules, ['Justification'], 'nothing refused was written');

      assert.equal((await call(sim, path, { method: 'PATCH', body: good })).status, 204);
      const after = policy()?.rules;
      assert.deepEqual(after?.find((r) => r.id === 'Enablement_EndUser_Assignment'), { ...good, target: { ...TARGET, operations: ['all'] } });
      assert.deepEqual(after?.filter((r) => r.id !== 'Enablement_EndUser_Assignment'), before?.filter((r) => r.id !== 'Enablement_EndUser_Assignment'));
      assert.equal((await call(sim, `${path.replace(/rules\/.*/, 'rules')}/Nope`, { method: 'PATCH', body: good })).status, 404);
    });
  });

  it('refuses MFA beside an authentication context on activation: the admin center offers them as alternatives', async () => {
    const tenant = fixture('fabrikam-pim.json');
    await withSim({ tenant }, async (sim) => {
      const policyId = (sim.state.roleManagementPolicyAssignments ?? []).find((a) => a.roleDefinitionId === '29232cdf-9323-42fd-ade2-1d097af3e4de')?.policyId ?? '';
      const reply = await call(sim, `/policies/roleManagementPolicies/${policyId}/rules/Enablement_EndUser_Assignment`, {
        method: 'PATCH', body: { '@odata.type': ENABLEMENT, id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication'], target: TARGET },
      });
      assert.equal(reply.status, 400);
      assert.equal(errorOf(reply).code, 'InvalidPolicyRule');
    });
  });

  it('needs Entra ID P2, the permissions of Microsoft\'s map, and refuses application tokens under the delegated-only fault', async () => {
    const p1 = demoTenant();
    for (const sku of p1.subscribedSkus) sku.servicePlans = sku.servicePlans.filter((p) => p.servicePlanName !== 'AAD_PREMIUM_P2');
    await withSim({ tenant: p1 }, async (sim) => {
      const reply = await call(sim, PIM_SETTINGS_QUERY);
      assert.deepEqual([reply.status, errorOf(reply).code], [400, 'AadPremiumLicenseRequired']);
    });
    const tenant = demoTenant();
    const body = { '@odata.type': ENABLEMENT, id: 'Enablement_EndUser_Assignment', enabledRules: ['MultiFactorAuthentication'], target: TARGET };
    await withSim({ tenant, grantedPermissions: ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory'] }, async (sim) => {
      assert.equal((await call(sim, PIM_SETTINGS_QUERY)).status, 200);
      assert.equal((await call(sim, rulePath(tenant), { method: 'PATCH', body })).status, 403, 'the map lists no application permission; only RoleManagementPolicy.ReadWrite.Directory is accepted');
    });
    await withSim({ tenant, grantedPermissions: ['RoleEligibilitySchedule.Read.Directory'] }, async (sim) => {
      assert.equal((await call(sim, PIM_SETTINGS_QUERY)).status, 403);
    });
    await withSim({ tenant, graphFaults: ['pim-write-app-403'] }, async (sim) => {
      const reply = await call(sim, rulePath(tenant), { method: 'PATCH', body });
      assert.equal(reply.status, 403);
      assert.equal(sim.graphFaultsFired()['pim-write-app-403'], 1);
    });
  });
});
