/**
 * The simulator's strict readings and its named faults (the other readings), over HTTP: what each
 * answers, so MfaBot's fallbacks are tested against behaviour that really differs.
 */
import assert from 'node:assert/strict';
import { ROLE } from '../../src/domain/roles';
import { DEMO_APPROVER_IDS, DEMO_TEAMS_APP_ID, demoTenant } from '../../src/sim/demo';
import { installationId } from '../../src/sim/handlers/teams';
import { call, errorOf, values, withSim } from './helpers';

const TIER0 = '6a22a918-9236-4277-909d-718e4f4e3f2b';
const REPORT = '/reports/authenticationMethods/userRegistrationDetails';
const MEGAN = DEMO_APPROVER_IDS[0] ?? '';
const HELPDESK_APP = 'cf0fb62d-6131-4f5e-bfce-7b9bf023b9f3';

describe('simulator: strict readings', () => {
  it('answers a cast without ConsistencyLevel: eventual and $count=true with 400, in Graph\'s error shape', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const cast = `/groups/${TIER0}/transitiveMembers/microsoft.graph.user`;
      for (const [path, headers] of [[cast, {}], [`${cast}?$count=true`, {}], [cast, { ConsistencyLevel: 'eventual' }]] as const) {
        const reply = await call(sim, path, { headers });
        assert.equal(reply.status, 400, `${path} ${JSON.stringify(headers)}`);
        assert.equal(errorOf(reply).code, 'Request_UnsupportedQuery');
        assert.ok((reply.body.error as { innerError?: { 'request-id'?: string } }).innerError?.['request-id']);
      }
      assert.equal((await call(sim, `${cast}?$count=true`, { headers: { ConsistencyLevel: 'eventual' } })).status, 200);
    });
  });

  it('sorts the registration report and users by the documented keys only', async () => {
    await withSim({ tenant: demoTenant() }, async (sim) => {
      const upns = values(await call(sim, `${REPORT}?$orderby=userPrincipalName desc&$top=999`)).map((r) => String(r.userPrincipalName).toLowerCase());
      assert.deepEqual(upns, [...upns].sort().reverse());
      assert.equal((await call(sim, `${REPORT}?$orderby=lastUpdatedDateTime`)).status, 400);
      const names = values(await call(sim, '/users?$orderby=displayName&$top=999')).map((u) => String(u.displayName));
      assert.deepEqual(names, [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    });
  });

  it('with TeamsAppInstallation.ReadWriteSelfForUser.All, lists and installs the calling app only', async () => {
    await withSim({ tenant: demoTenant(), grantedPermissions: ['TeamsAppInstallation.ReadWriteSelfForUser.All'] }, async (sim) => {
      sim.state.userInstalledApps = { [MEGAN]: [DEMO_TEAMS_APP_ID, HELPDESK_APP] };
      const listed = values(await call(sim, `/users/${MEGAN}/teamwork/installedApps`)).map((i) => i.id);
      assert.deepEqual(listed, [installationId(MEGAN, DEMO_TEAMS_APP_ID)], 'another app\'s installation is not visible');
      const other = 'ac643316-47da-40f0-b2b8-10b985d45628';
      const bind = (app: string) => ({ 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${app}` });
      const refused = await call(sim, `/users/${other}/teamwork/installedApps`, { method: 'POST', body: bind(HELPDESK_APP) });
      assert.equal(refused.status, 403);
      assert.match(errorOf(refused).message, /only its own Teams app/);
      assert.equal((await call(sim, `/users/${other}/teamwork/installedApps`, { method: 'POST', body: bind(DEMO_TEAMS_APP_ID) })).status, 201);
    });
    await withSim({ tenant: demoTenant(), grantedPermissions: ['TeamsAppInstallation.ReadWriteForUser.All'] }, async (sim) => {
      const body = { 'teamsApp@odata.bind': `https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/${HELPDESK_APP}` };
      assert.equal((await call(sim, `/users/${MEGAN}/teamwork/installedApps`, { method: 'POST', body })).status, 201, 'ReadWriteForUser.All installs any app');
    });
  });
});

describe('simulator: named faults', () => {
  it('registration-filter-400: refuses isAdmin, $select and $top, but not a plain read or an id filter', async () => {
    await withSim({ tenant: demoTenant(), graphFaults: ['registration-filter-400'] }, async (sim) => {
      for (const q of ['$filter=isAdmin eq true', '$select=id', '$top=5']) assert.equal((await call(sim, `${REPORT}?${q}`)).status, 400, q);
      assert.equal((await call(sim, REPORT)).status, 200);
      assert.equal(values(await call(sim, `${REPORT}?$filter=id in ('${MEGAN}')`)).length, 1);
      assert.ok((sim.graphFaultsFired()['registration-filter-400'] ?? 0) >= 3);
    });
    await withSim({ tenant: demoTenant() }, async (sim) => {
      assert.equal((await call(sim, `${REPORT}?$filter=isAdmin eq true&$select=id,isMfaRegistered&$top=999`)).status, 200, 'accepted without the fault');
    });
  });

  it('assignments-in-expand-400: refuses `in` with $expand, each alone still works', async () => {
    await withSim({ tenant: demoTenant(), graphFaults: ['assignments-in-expand-400'] }, async (sim) => {
      const base = '/roleManagement/directory/roleAssignments';
      const inFilter = `$filter=roleDefinitionId in ('${ROLE.globalAdministrator}','${ROLE.securityAdministrator}')`;
      assert.equal((await call(sim, `${base}?${inFilter}&$expand=principal`)).status, 400);
      assert.equal((await call(sim, `${base}?${inFilter}`)).status, 200);
      assert.equal((await call(sim, `${base}?$filter=roleDefinitionId eq '${ROLE.globalAdministrator}'&$expand=principal`)).status, 200);
    });
  });

  it('batch-503-once: the first $batch answers 503, the next ones are served', async () => {
    await withSim({ tenant: demoTenant(), graphFaults: ['batch-503-once'] }, async (sim) => {
      const body = { requests: [{ id: '1', method: 'GET', url: '/organization' }] };
      assert.equal((await call(sim, '/$batch', { method: 'POST', body })).status, 503);
      assert.equal((await call(sim, '/$batch', { method: 'POST', body })).status, 200);
    });
  });

  it('licence-403-once: the first registration read of a premium tenant answers "not premium", then it is served', async () => {
    await withSim({ tenant: demoTenant(), graphFaults: ['licence-403-once'] }, async (sim) => {
      const first = await call(sim, REPORT);
      assert.equal(first.status, 403);
      assert.equal(errorOf(first).code, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
      assert.equal((await call(sim, REPORT)).status, 200);
    });
  });

  it('members-id-only: group members are id and @odata.type without User.Read.All, full with it', async () => {
    const cast = `/groups/${TIER0}/transitiveMembers/microsoft.graph.user?$count=true&$select=id,displayName,userPrincipalName`;
    const headers = { ConsistencyLevel: 'eventual' };
    await withSim({ tenant: demoTenant(), graphFaults: ['members-id-only'], grantedPermissions: ['GroupMember.Read.All'] }, async (sim) => {
      const members = values(await call(sim, cast, { headers }));
      assert.ok(members.length > 0 && members.every((m) => Object.keys(m).sort().join() === '@odata.type,id'));
    });
    await withSim({ tenant: demoTenant(), grantedPermissions: ['GroupMember.Read.All'] }, async (sim) => {
      const members = values(await call(sim, cast, { headers }));
      assert.ok(members.every((m) => typeof m.userPrincipalName === 'string'), 'without the fault the group permission shows the basic profile');
    });
    await withSim({ tenant: demoTenant(), graphFaults: ['members-id-only'], grantedPermissions: ['GroupMember.Read.All', 'User.Read.All'] }, async (sim) => {
      assert.ok(values(await call(sim, cast, { headers })).every((m) => typeof m.userPrincipalName === 'string'));
    });
  });
});
