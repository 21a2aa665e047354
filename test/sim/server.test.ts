import assert from 'node:assert/strict';
import { DEMO_APPROVER_IDS, DEMO_TEAMS_APP_ID, demoTenant } from '../../src/sim/demo';
import { SIM_PERMISSIONS } from '../../src/sim/server';
import { call, errorOf, values, withSim } from './helpers';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MEGAN = DEMO_APPROVER_IDS[0] ?? '';
const ALEX = 'ac643316-47da-40f0-b2b8-10b985d45628';

describe('simulator HTTP protocol', () => {
  it('serves under /v1.0 and /beta with @odata.context, request-id and an echoed client-request-id', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const reply = await call(sim, '/organization', { headers: { 'client-request-id': 'abc-123' } });
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get('request-id') ?? '', GUID);
      assert.equal(reply.headers.get('client-request-id'), 'abc-123');
      assert.equal(reply.body['@odata.context'], `${sim.url}/v1.0/$metadata#organization`);
      assert.equal(values(reply)[0]?.displayName, 'Contoso');
      const beta = await call(sim, `${sim.url}/beta/organization?$select=id`);
      assert.equal(beta.status, 200);
      assert.deepEqual(Object.keys(values(beta)[0] ?? {}), ['id']);
      assert.equal(sim.url.startsWith('http://127.0.0.1:'), true);
      assert.equal(sim.graphUrl, `${sim.url}/v1.0`);
    });
  });

  it('answers 401 InvalidAuthenticationToken without a bearer token, with Graph\'s error shape', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const variants: Array<Record<string, string>> = [{}, { Authorization: '' }, { Authorization: 'Bearer ' }, { Authorization: 'Basic abc' }];
      for (const headers of variants) {
        const res = await fetch(`${sim.graphUrl}/users`, { headers });
        const body = await res.json() as { error: { code: string; message: string; innerError: Record<string, string> } };
        assert.equal(res.status, 401);
        assert.equal(body.error.code, 'InvalidAuthenticationToken');
        assert.match(body.error.innerError['request-id'] ?? '', GUID);
        assert.equal(body.error.innerError['request-id'], res.headers.get('request-id'));
        assert.ok(body.error.innerError.date);
      }
    });
  });

  it('answers unknown paths with 404 naming the segment, and wrong methods with 405', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const unknown = await call(sim, '/identity/conditionalAccess/authenticationContextClassReferences');
      assert.equal(unknown.status, 404);
      assert.deepEqual(errorOf(unknown), { ...errorOf(unknown), code: 'UnknownError', message: "Resource not found for the segment 'authenticationContextClassReferences'." });
      assert.equal((await call(sim, '/users', { method: 'DELETE' })).status, 405);
      assert.equal((await fetch(`${sim.url}/v2.0/users`)).status, 400);
    });
  });

  it('rejects query options it does not support instead of ignoring them', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const reply = await call(sim, '/subscribedSkus?$orderby=skuPartNumber');
      assert.equal(reply.status, 400);
      assert.match(errorOf(reply).message, /\$orderby/);
      assert.equal((await call(sim, '/users?$orderby=jobTitle')).status, 400, 'only the documented sort keys');
      assert.equal((await call(sim, '/users?$top=abc')).status, 400);
      assert.equal((await call(sim, `/users/${MEGAN}?$filter=id eq 'x'`)).status, 400);
    });
  });

  it('serves users with Graph\'s default properties, $select and look-up by UPN', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const full = await call(sim, `/users/${MEGAN}`);
      assert.equal(full.body.userPrincipalName, 'megan.bowen@contoso.example');
      assert.equal('accountEnabled' in full.body, false, 'accountEnabled is not a default property');
      const selected = await call(sim, '/users/megan.bowen@contoso.example?$select=id,accountEnabled');
      assert.deepEqual({ id: selected.body.id, accountEnabled: selected.body.accountEnabled }, { id: MEGAN, accountEnabled: true });
      assert.equal(selected.body['@odata.context'], `${sim.url}/v1.0/$metadata#users(id,accountEnabled)/$entity`);
      const missing = await call(sim, '/users/00000000-0000-0000-0000-000000000000');
      assert.equal(missing.status, 404);
      assert.equal(errorOf(missing).code, 'Request_ResourceNotFound');
    });
  });

  describe('permissions', () => {
    it('lists a requirement for every endpoint', () => {
      assert.deepEqual(SIM_PERMISSIONS['GET /groups/{id}/transitiveMembers/microsoft.graph.user']?.[0]?.[0], 'GroupMember.ReadBasic.All');
      assert.deepEqual(SIM_PERMISSIONS['GET /reports/authenticationMethods/userRegistrationDetails'], [['AuditLog.Read.All']]);
      assert.deepEqual(SIM_PERMISSIONS['GET /identity/conditionalAccess/policies'], [['Policy.Read.All']]);
      assert.equal(SIM_PERMISSIONS['POST /identity/conditionalAccess/policies']?.length, 2, 'ReadWrite.ConditionalAccess and Policy.Read.All');
      assert.deepEqual(SIM_PERMISSIONS['POST /$batch'], []);
    });

    it('answers 403 for every GET endpoint when nothing is granted: Authorization_RequestDenied, or Teams\' Forbidden naming the roles', async () => {
      const tenant = demoTenant();
      await withSim({ tenant, grantedPermissions: [] }, async (sim) => {
        const params: Record<string, string> = {
          id: MEGAN, installationId: 'x',
        };
        for (const [key, requirement] of Object.entries(SIM_PERMISSIONS)) {
          const [method, template] = key.split(' ') as [string, string];
          if (method !== 'GET' || requirement.length === 0) continue;
          const path = template.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? 'x');
          const reply = await call(sim, path);
          assert.equal(reply.status, 403, `${key} → ${reply.status}`);
          if (/teamsApps|teamwork/.test(key)) {
            assert.equal(errorOf(reply).code, 'Forbidden', key);
            assert.match(errorOf(reply).message, /^Missing role permissions on the request\. API requires one of '[^']*TeamsApp|^Missing role permissions on the request\. API requires one of 'AppCatalog/, key);
          } else {
            assert.deepEqual(errorOf(reply), { ...errorOf(reply), code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
          }
        }
      });
    });

    it('accepts a higher permission in place of the least privileged one', async () => {
      await withSim({ tenant: demoTenant(), grantedPermissions: ['Directory.Read.All'] }, async (sim) => {
        const group = demoTenant().groups[0]?.id ?? '';
        assert.equal((await call(sim, `/groups/${group}/transitiveMembers`)).status, 200, 'Directory.Read.All satisfies GroupMember.Read.All');
        assert.equal((await call(sim, '/roleManagement/directory/roleAssignments')).status, 200);
        assert.equal((await call(sim, '/reports/authenticationMethods/userRegistrationDetails')).status, 403);
      });
    });

    it('needs both Policy.ReadWrite.ConditionalAccess and Policy.Read.All to write CA policies, and Policy.Read.All alone to read them', async () => {
      await withSim({ tenant: demoTenant(), grantedPermissions: ['Policy.ReadWrite.ConditionalAccess'] }, async (sim) => {
        const reply = await call(sim, '/identity/conditionalAccess/policies', { method: 'POST', body: {} });
        assert.equal(reply.status, 403);
        assert.equal((await call(sim, '/identity/conditionalAccess/policies')).status, 403, 'the ReadWrite scope alone cannot list policies');
      });
      await withSim({ tenant: demoTenant(), grantedPermissions: ['Policy.Read.ConditionalAccess'] }, async (sim) => {
        assert.equal((await call(sim, '/identity/conditionalAccess/policies')).status, 403, 'Policy.Read.ConditionalAccess cannot list policies');
      });
      await withSim({ tenant: demoTenant(), grantedPermissions: ['Policy.Read.All'] }, async (sim) => {
        assert.equal((await call(sim, '/identity/conditionalAccess/policies')).status, 200);
      });
    });

    it('takes the least-privileged alternatives Microsoft\'s map lists, and nothing it does not', async () => {
      const cases: Array<[string[], string, number]> = [
        [['LicenseAssignment.Read.All'], '/subscribedSkus', 200],
        [['Policy.Read.AuthenticationMethod'], '/policies/authenticationStrengthPolicies', 200],
        [['GroupMember.ReadBasic.All'], `/groups/${demoTenant().groups[0]?.id ?? ''}/transitiveMembers`, 200],
        [['User.ReadBasic.All'], `/users/${MEGAN}?$select=id,displayName,userPrincipalName`, 200],
        [['User.ReadBasic.All'], `/users/${MEGAN}?$select=id,accountEnabled`, 403],
        [['User.ReadBasic.All'], '/users?$filter=accountEnabled eq true', 403],
        [['User.ReadBasic.All'], '/users?$select=id,userType', 403],
        [['User.Read.All'], `/users/${MEGAN}?$select=id,accountEnabled,userType`, 200],
        [['Directory.Read.All'], '/appCatalogs/teamsApps', 403],
        [['Directory.Read.All'], '/reports/authenticationMethods/userRegistrationDetails', 403],
        [['UserAuthenticationMethod.Read.All'], '/reports/authenticationMethods/userRegistrationDetails', 403],
        [['Policy.ReadWrite.ConditionalAccess'], '/policies/identitySecurityDefaultsEnforcementPolicy', 403],
        [['RoleManagement.Read.All'], '/roleManagement/directory/roleAssignments', 403],
        [['RoleManagement.Read.All'], '/roleManagement/directory/roleEligibilityScheduleInstances', 200],
      ];
      for (const [grantedPermissions, path, status] of cases) {
        await withSim({ tenant: demoTenant(), grantedPermissions }, async (sim) => {
          assert.equal((await call(sim, path)).status, status, `${grantedPermissions.join()} ${path}`);
        });
      }
    });
  });

  describe('request log and control endpoints', () => {
    it('records every Graph request (method, versioned path, status) and clears on demand', async () => {
      await withSim({ tenant: demoTenant() }, async (sim) => {
        await call(sim, '/organization?$select=id');
        await call(sim, '/nothing/here');
        await fetch(`${sim.url}/beta/users`);
        assert.deepEqual(sim.requests(), [
          { method: 'GET', path: '/v1.0/organization', status: 200 },
          { method: 'GET', path: '/v1.0/nothing/here', status: 404 },
          { method: 'GET', path: '/beta/users', status: 401 },
        ]);
        const viaHttp = await (await fetch(`${sim.url}/_sim/requests`)).json();
        assert.deepEqual(viaHttp, sim.requests(), 'GET /_sim/requests is the same list and is not itself logged');
        assert.equal((await fetch(`${sim.url}/_sim/requests`, { method: 'DELETE' })).status, 204);
        assert.deepEqual(sim.requests(), []);
        await call(sim, '/organization');
        sim.clearRequests();
        assert.deepEqual(sim.requests(), []);
      });
    });

    it('exposes the live tenant and flips a registration with POST /_sim/users/{id}/register', async () => {
      await withSim({ tenant: demoTenant() }, async (sim) => {
        const before = await call(sim, `/reports/authenticationMethods/userRegistrationDetails/${ALEX}`);
        assert.equal(before.body.isMfaRegistered, false);
        const res = await fetch(`${sim.url}/_sim/users/${ALEX}/register`, { method: 'POST' });
        assert.equal(res.status, 200);
        const after = await call(sim, `/reports/authenticationMethods/userRegistrationDetails/${ALEX}`);
        assert.equal(after.body.isMfaRegistered, true);
        assert.equal(after.body.isMfaCapable, true);
        const unknownAdmin = '4c157914-c397-413c-a8d3-d864919b9a57';
        assert.equal((await call(sim, `/reports/authenticationMethods/userRegistrationDetails/${unknownAdmin}`)).status, 404);
        await fetch(`${sim.url}/_sim/users/${unknownAdmin}/register`, { method: 'POST' });
        assert.equal((await call(sim, `/reports/authenticationMethods/userRegistrationDetails/${unknownAdmin}`)).body.isMfaRegistered, true, 'row created');
        assert.equal((await fetch(`${sim.url}/_sim/users/nobody/register`, { method: 'POST' })).status, 404);
        const tenant = await (await fetch(`${sim.url}/_sim/tenant`)).json() as { userRegistrationDetails: Array<{ id: string; isMfaRegistered: boolean }> };
        assert.equal(tenant.userRegistrationDetails.find((r) => r.id === ALEX)?.isMfaRegistered, true);
        assert.equal(sim.state.userRegistrationDetails.find((r) => r.id === ALEX)?.isMfaRegistered, true, 'state is live');
      });
    });

    it('never mutates the fixture object it was given', async () => {
      const tenant = demoTenant();
      await withSim({ tenant }, async (sim) => {
        await fetch(`${sim.url}/_sim/users/${ALEX}/register`, { method: 'POST' });
      });
      assert.equal(tenant.userRegistrationDetails.find((r) => r.id === ALEX)?.isMfaRegistered, false);
    });
  });

  describe('Teams app installation', () => {
    it('finds the catalog app, installs it once (201, then 409) and returns the 1:1 chat id', async () => {
      const installed: string[] = [];
      await withSim({ tenant: demoTenant(), onAppInstalled: (e) => installed.push(e.userId) }, async (sim) => {
        const catalog = await call(sim, "/appCatalogs/teamsApps?$filter=externalId eq 'b3f3c2a1-6d5e-4f7a-9b8c-0d1e2f3a4b5c'");
        assert.deepEqual(values(catalog).map((a) => a.id), [DEMO_TEAMS_APP_ID]);
        const filter = `$expand=teamsApp&$filter=teamsApp/id eq '${DEMO_TEAMS_APP_ID}'`;
        assert.deepEqual(values(await call(sim, `/users/${ALEX}/teamwork/installedApps?${filter}`)), []);
        const bind = { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${DEMO_TEAMS_APP_ID}` };
        const first = await call(sim, `/users/${ALEX}/teamwork/installedApps`, { method: 'POST', body: bind });
        assert.equal(first.status, 201);
        assert.deepEqual(first.body, {}, 'empty body');
        assert.equal((await call(sim, `/users/${ALEX}/teamwork/installedApps`, { method: 'POST', body: bind })).status, 409);
        const [installation] = values(await call(sim, `/users/${ALEX}/teamwork/installedApps?${filter}`));
        assert.equal((installation?.teamsApp as { id: string }).id, DEMO_TEAMS_APP_ID);
        const chat = await call(sim, `/users/${ALEX}/teamwork/installedApps/${String(installation?.id)}/chat`);
        assert.match(String(chat.body.id), /^19:.+_.+@unq\.gbl\.spaces$/);
        assert.deepEqual(installed, [ALEX]);
        assert.equal(values(await call(sim, `/users/${MEGAN}/teamwork/installedApps`)).length, 1, 'pre-installed for approvers');
      });
    });
  });
});
