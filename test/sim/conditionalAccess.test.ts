import assert from 'node:assert/strict';
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { ROLE, ROLE_LISTS } from '../../src/domain/roles';
import { DEMO_BREAK_GLASS_IDS, demoTenant } from '../../src/sim/demo';
import type { TenantFixture } from '../../src/sim/fixture';
import { call, errorOf, values, withSim } from './helpers';

const PATH = '/identity/conditionalAccess/policies';

function draft(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    displayName: 'MfaBot - Require MFA for admin roles',
    state: 'enabledForReportingButNotEnforced',
    conditions: {
      clientAppTypes: ['all'],
      applications: { includeApplications: ['All'] },
      users: { includeRoles: [...(ROLE_LISTS.template ?? [])], excludeUsers: [...DEMO_BREAK_GLASS_IDS] },
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    ...overrides,
  };
}

function securityDefaultsOn(): TenantFixture {
  const t = demoTenant();
  t.identitySecurityDefaultsEnforcementPolicy.isEnabled = true;
  return t;
}

describe('simulated Conditional Access policies', () => {
  it('creates a policy: 201 with the full object, a new id, createdDateTime, modifiedDateTime null, omitted collections as []', async () => {
    const now = new Date('2026-11-26T10:00:00.000Z');
    await withSim({ tenant: demoTenant(), now: () => now }, async (sim) => {
      const reply = await call(sim, PATH, { method: 'POST', body: draft() });
      assert.equal(reply.status, 201);
      const p = reply.body as unknown as ConditionalAccessPolicy & { id: string; '@odata.context': string };
      assert.match(p.id, /^[0-9a-f-]{36}$/);
      assert.equal(p['@odata.context'], `${sim.url}/v1.0/$metadata#identity/conditionalAccess/policies/$entity`);
      assert.equal(p.createdDateTime, now.toISOString());
      assert.equal(p.modifiedDateTime, null);
      assert.equal(p.templateId, null);
      assert.equal(p.sessionControls, null);
      assert.equal(p.conditions?.platforms, null);
      assert.equal(p.conditions?.locations, null);
      assert.deepEqual(p.conditions?.signInRiskLevels, []);
      assert.deepEqual(p.conditions?.users?.includeGroups, []);
      assert.deepEqual(p.conditions?.users?.excludeRoles, []);
      assert.deepEqual(p.conditions?.applications?.excludeApplications, []);
      assert.deepEqual(p.conditions?.applications?.includeUserActions, []);
      assert.deepEqual(p.grantControls?.customAuthenticationFactors, []);
      assert.deepEqual(p.conditions?.users?.excludeUsers, [...DEMO_BREAK_GLASS_IDS]);
      const stored = await call(sim, `${PATH}/${p.id}`);
      assert.equal(stored.body.displayName, 'MfaBot - Require MFA for admin roles');
      assert.equal(values(await call(sim, PATH)).length, demoTenant().conditionalAccessPolicies.length + 1);
      assert.ok(sim.state.conditionalAccessPolicies.some((x) => x.id === p.id), 'state changed');
    });
  });

  it('rejects non-built-in role ids with Graph\'s 1103 error', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const body = draft({ conditions: { applications: { includeApplications: ['All'] }, users: { includeRoles: [ROLE.globalAdministrator, 'a5f0f2ff-0000-4000-8000-00000000d1a7'] } } });
      const reply = await call(sim, PATH, { method: 'POST', body });
      assert.equal(reply.status, 400);
      assert.ok(errorOf(reply).message.startsWith("1103: 'users' condition contains non-built in role ids: "), errorOf(reply).message);
      assert.match(errorOf(reply).message, /a5f0f2ff-0000-4000-8000-00000000d1a7/);
    });
  });

  it('validates required fields like Graph', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const bad: Array<Record<string, unknown>> = [
        draft({ displayName: undefined }),
        draft({ state: 'on' }),
        draft({ state: undefined }),
        draft({ conditions: { applications: { includeApplications: ['All'] } } }),
        draft({ conditions: { users: { includeUsers: ['All'] } } }),
        draft({ grantControls: { operator: 'OR', builtInControls: ['mfa', 'block'] } }),
        draft({ grantControls: null }),
        draft({ unexpected: true }),
        draft({ grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: 'nope' } } }),
      ];
      for (const body of bad) {
        const reply = await call(sim, PATH, { method: 'POST', body });
        assert.equal(reply.status, 400, JSON.stringify(body));
      }
      assert.equal(sim.state.conditionalAccessPolicies.length, demoTenant().conditionalAccessPolicies.length, 'nothing stored');
      const clientApps = draft({ conditions: { applications: { includeApplications: ['All'] }, clientApplications: { includeServicePrincipals: ['x'] } } });
      assert.equal((await call(sim, PATH, { method: 'POST', body: clientApps })).status, 201, 'clientApplications instead of users');
    });
  });

  it('answers 400, and stores nothing, when a condition the simulator serves back has the wrong type', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const conditions = { ...(draft().conditions as Record<string, unknown>), platforms: { includePlatforms: 'all' } };
      const reply = await call(sim, PATH, { method: 'POST', body: draft({ conditions }) });
      assert.equal(reply.status, 400);
      assert.match(errorOf(reply).message, /conditions\.platforms\.includePlatforms that is not an array of strings/);
      assert.equal(sim.state.conditionalAccessPolicies.length, demoTenant().conditionalAccessPolicies.length);
    });
  });

  it('inlines the authentication strength it references', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const body = draft({ grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000004' } } });
      const reply = await call(sim, PATH, { method: 'POST', body });
      const strength = (reply.body.grantControls as { authenticationStrength: Record<string, unknown> }).authenticationStrength;
      assert.equal(strength.displayName, 'Phishing-resistant MFA');
      assert.equal(strength.requirementsSatisfied, 'mfa');
    });
  });

  it('refuses to enable a policy while security defaults are on, but allows report-only', async () => {
    await withSim({ tenant: securityDefaultsOn() }, async (sim) => {
      const enabled = await call(sim, PATH, { method: 'POST', body: draft({ state: 'enabled' }) });
      assert.equal(enabled.status, 400);
      assert.equal(errorOf(enabled).message, 'Security Defaults is enabled in the tenant. You must disable Security defaults before enabling a Conditional Access policy.');
      const created = await call(sim, PATH, { method: 'POST', body: draft() });
      assert.equal(created.status, 201);
      const patch = await call(sim, `${PATH}/${String(created.body.id)}`, { method: 'PATCH', body: { state: 'enabled' } });
      assert.equal(patch.status, 400);
      assert.match(errorOf(patch).message, /^Security Defaults is enabled/);
      assert.equal((await call(sim, '/policies/identitySecurityDefaultsEnforcementPolicy', { method: 'PATCH', body: { isEnabled: false } })).status, 204);
      assert.equal((await call(sim, `${PATH}/${String(created.body.id)}`, { method: 'PATCH', body: { state: 'enabled' } })).status, 204);
    });
  });

  it('refuses writes on a tenant without Entra ID P1 (403)', async () => {
    const tenant = demoTenant();
    for (const sku of tenant.subscribedSkus) sku.servicePlans = sku.servicePlans.filter((p) => !p.servicePlanName.startsWith('AAD_PREMIUM'));
    await withSim({ tenant }, async (sim) => {
      const reply = await call(sim, PATH, { method: 'POST', body: draft() });
      assert.equal(reply.status, 403);
      assert.equal(errorOf(reply).code, 'AadPremiumLicenseRequired');
    });
  });

  it('PATCH merges, sets modifiedDateTime and answers 204; DELETE answers 204; unknown ids 404', async () => {
    let clock = new Date('2026-11-26T10:00:00.000Z');
    await withSim({ tenant: demoTenant(), now: () => clock }, async (sim) => {
      const created = await call(sim, PATH, { method: 'POST', body: draft() });
      const id = String(created.body.id);
      clock = new Date('2026-11-26T11:00:00.000Z');
      const patch = await call(sim, `${PATH}/${id}`, { method: 'PATCH', body: { state: 'enabled', conditions: { users: { excludeGroups: ['66ba26ed-8c7a-459e-b17c-6650f016e096'] } } } });
      assert.equal(patch.status, 204);
      assert.equal(patch.headers.get('content-length'), '0');
      const after = (await call(sim, `${PATH}/${id}`)).body as ConditionalAccessPolicy;
      assert.equal(after.state, 'enabled');
      assert.equal(after.modifiedDateTime, clock.toISOString());
      assert.equal(after.createdDateTime, '2026-11-26T10:00:00.000Z');
      assert.deepEqual(after.conditions?.users?.excludeGroups, ['66ba26ed-8c7a-459e-b17c-6650f016e096']);
      assert.equal(after.conditions?.users?.includeRoles?.length, 14, 'untouched properties kept');
      assert.equal((await call(sim, `${PATH}/${id}`, { method: 'PATCH', body: { conditions: { users: { includeRoles: ['not-a-role'] } } } })).status, 400);
      assert.equal((await call(sim, `${PATH}/${id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await call(sim, `${PATH}/${id}`)).status, 404);
      assert.equal((await call(sim, `${PATH}/${id}`, { method: 'PATCH', body: { state: 'disabled' } })).status, 404);
    });
  });
});
