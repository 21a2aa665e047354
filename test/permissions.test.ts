/**
 * MfaBot's one permission table (src/graph/permissions.ts) against the simulated Graph, which checks
 * each route exactly as Microsoft's permission map lists it, and against the files rendered from it
 * (docs, README, app registration manifest, Bicep). Neither can drift from the table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptedFor, PERMISSION_NEEDS, permissionFor, permissionsToGrant, routeMatches } from '../src/graph/permissions';
import { SIM_PERMISSIONS } from '../src/sim/server';
import { VISIBILITY } from '../src/sim/permissions';
import { renderedFiles } from '../scripts/lib/permissionDocs';

const sorted = (names: readonly string[]): string[] => [...new Set(names)].sort();

/** Needs that are no call of their own: what the simulator reveals inside answers, by permission set. */
const SHOWN_BY: Record<string, readonly string[]> = {
  'status User.Read.All': VISIBILITY.userFull,
  'signInImpact Policy.Read.All': VISIBILITY.signInPolicyDetails,
};

/** Calls whose answer MfaBot needs more of than the route's own check lets through (accountEnabled). */
const READS_MORE: Record<string, readonly string[]> = {
  'policy GET /users/{id}': VISIBILITY.userFull,
};

describe('the permission table', () => {
  it('names for each call exactly the permissions the simulated Graph (Microsoft\'s map) accepts', () => {
    for (const need of PERMISSION_NEEDS) {
      const where = `${need.feature}: ${need.route ?? need.what}`;
      if (!need.route) {
        const shown = SHOWN_BY[`${need.feature} ${need.permission}`];
        assert.ok(shown, `${where}: no simulator rule to compare with`);
        assert.deepEqual(sorted(acceptedFor(need)), sorted(shown), where);
        continue;
      }
      const requirement = SIM_PERMISSIONS[need.route];
      assert.ok(requirement, `${where}: the simulator serves no such route`);
      const [routeAnyOf = [], ...also] = requirement;
      const more = READS_MORE[`${need.feature} ${need.route}`];
      const anyOf = more ? routeAnyOf.filter((p) => more.includes(p)) : routeAnyOf;
      assert.deepEqual(sorted(acceptedFor(need)), sorted(anyOf), where);
      assert.deepEqual(sorted(need.alongside ?? []), sorted(also.map((list) => { assert.equal(list.length, 1, where); return list[0] as string; })), `${where}: companions`);
    }
  });

  it('asks for the least privileged permission, or says why not', () => {
    for (const need of PERMISSION_NEEDS.filter((n) => n.route)) {
      const least = SIM_PERMISSIONS[need.route as string]?.[0]?.[0];
      if (need.permission !== least && !READS_MORE[`${need.feature} ${need.route}`]) assert.ok(need.because, `${need.route}: asks for ${need.permission}, not the least privileged ${least}, without saying why`);
    }
  });

  it('knows the permission behind every call it makes, whatever the ids and the query', () => {
    assert.equal(permissionFor('GET', 'https://graph.microsoft.com/v1.0/groups/abc/transitiveMembers/microsoft.graph.user?$count=true')?.permission, 'GroupMember.ReadBasic.All');
    assert.equal(permissionFor('POST', '/users/x/teamwork/installedApps')?.permission, 'TeamsAppInstallation.ReadWriteSelfForUser.All');
    assert.equal(permissionFor('GET', '/appCatalogs/teamsApps?$filter=x')?.permission, 'AppCatalog.Read.All');
    assert.equal(permissionFor('GET', '/identity/conditionalAccess/policies')?.permission, 'Policy.Read.All');
    assert.equal(permissionFor('DELETE', '/identity/conditionalAccess/policies/x'), undefined, 'MfaBot never deletes');
    assert.ok(routeMatches('/users/{id}', '/USERS/abc') && !routeMatches('/users/{id}', '/users/abc/x'));
  });

  it('recommends a set in which nothing is redundant', () => {
    const all = permissionsToGrant();
    assert.deepEqual(all, ['AppCatalog.Read.All', 'AuditLog.Read.All', 'GroupMember.ReadBasic.All', 'LicenseAssignment.Read.All', 'Policy.Read.All',
      'Policy.ReadWrite.ConditionalAccess', 'RoleManagement.Read.Directory', 'RoleManagementPolicy.ReadWrite.Directory', 'SecurityEvents.Read.All',
      'TeamsAppInstallation.ReadWriteSelfForUser.All', 'User.Read.All']);
    assert.ok(!all.includes('Directory.Read.All') && !all.includes('Organization.Read.All'));
  });

  it('is what docs/permissions.md, the README, aad.manifest.json and infra/azure.bicep say (npm run permissions)', () => {
    for (const file of renderedFiles()) assert.equal(file.current, file.expected, `${file.path} is out of date: run npm run permissions`);
    const install = readFileSync(join(__dirname, '..', 'docs', 'install.md'), 'utf8');
    const listed = /for everything:\n\n([\s\S]*?)\n\n/.exec(install)?.[1] ?? '';
    assert.deepEqual(sorted([...listed.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '')), permissionsToGrant(undefined, { mode: 'delegated' }), 'docs/install.md step 2 (changes made as the approver)');
  });
});
