import assert from 'node:assert/strict';
import path from 'node:path';
import { ROLE } from '../../src/domain/roles';
import { loadFixtureFile } from '../../src/sim/fixture';
import { PASSWORD_METHOD_ID } from '../../src/sim/handlers/authenticationMethods';
import { call, errorOf, values, withSim } from './helpers';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const ALICE = 'a1000000-0000-4000-8000-000000000001';
const BOB = 'a1000000-0000-4000-8000-000000000002';
const DAVE = 'a1000000-0000-4000-8000-000000000004';
const BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b1';

const types = (rows: Array<Record<string, unknown>>): string[] => rows.map((m) => String(m['@odata.type'])).sort();

describe('simulated GET /users/{id}/authentication/methods (docs/graph-notes.md, "Authentication methods")', () => {
  it('lists the password and the methods the registration report names, typed as Graph types them', async () => {
    await withSim({ tenant: loadFixtureFile(FIXTURE) }, async (sim) => {
      const alice = await call(sim, `/users/${ALICE}/authentication/methods`);
      assert.equal(alice.status, 200);
      assert.equal(alice.body['@odata.context'], `${sim.url}/v1.0/$metadata#users('${ALICE}')/authentication/methods`);
      assert.deepEqual(types(values(alice)), [
        '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', '#microsoft.graph.passwordAuthenticationMethod',
      ]);
      assert.equal(values(alice).find((m) => m['@odata.type'] === '#microsoft.graph.passwordAuthenticationMethod')?.id, PASSWORD_METHOD_ID);
      const again = await call(sim, `/users/alice@fabrikam.example/authentication/methods`);
      assert.deepEqual(values(again), values(alice), 'by UPN too, with stable ids');
      assert.deepEqual(types(values(await call(sim, `/users/${BREAK_GLASS}/authentication/methods`))), [
        '#microsoft.graph.fido2AuthenticationMethod', '#microsoft.graph.passwordAuthenticationMethod',
      ]);
    });
  });

  it('lists only the password for an unregistered user and for one the report has no row for', async () => {
    await withSim({ tenant: loadFixtureFile(FIXTURE) }, async (sim) => {
      for (const id of [BOB, DAVE]) {
        assert.deepEqual(types(values(await call(sim, `/users/${id}/authentication/methods`))), ['#microsoft.graph.passwordAuthenticationMethod']);
      }
    });
  });

  it('answers 404 for an unknown user and 400 for any query option', async () => {
    await withSim({ tenant: loadFixtureFile(FIXTURE) }, async (sim) => {
      const missing = await call(sim, '/users/00000000-0000-0000-0000-000000000000/authentication/methods');
      assert.equal(missing.status, 404);
      assert.equal(errorOf(missing).code, 'Request_ResourceNotFound');
      assert.equal((await call(sim, `/users/${ALICE}/authentication/methods?$top=1`)).status, 400);
    });
  });

  it('needs UserAuthenticationMethod.Read.All; the registration report permission is not enough', async () => {
    await withSim({ tenant: loadFixtureFile(FIXTURE), grantedPermissions: ['AuditLog.Read.All'] }, async (sim) => {
      const denied = await call(sim, `/users/${ALICE}/authentication/methods`);
      assert.equal(denied.status, 403);
      assert.equal(errorOf(denied).code, 'Authorization_RequestDenied');
    });
    await withSim({ tenant: loadFixtureFile(FIXTURE), grantedPermissions: ['UserAuthenticationMethod.Read.All'] }, async (sim) => {
      assert.equal((await call(sim, `/users/${ALICE}/authentication/methods`)).status, 200);
    });
  });
});

describe('simulated isAdmin of the registration report', () => {
  it('follows role assignments added after earlier reads', async () => {
    await withSim({ tenant: loadFixtureFile(FIXTURE) }, async (sim) => {
      const row = async () => (await call(sim, `/reports/authenticationMethods/userRegistrationDetails/${BOB}`)).body.isAdmin;
      assert.equal(await row(), false, 'Bob is only PIM-eligible');
      sim.state.roleAssignments.push({ id: 'added-later', principalId: BOB, roleDefinitionId: ROLE.helpdeskAdministrator, directoryScopeId: '/' });
      assert.equal(await row(), true, 'an active assignment makes him an admin in the report');
      const listed = values(await call(sim, '/reports/authenticationMethods/userRegistrationDetails?$filter=isAdmin eq true'));
      assert.ok(listed.some((r) => r.id === BOB));
    });
  });
});
