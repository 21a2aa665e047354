import assert from 'node:assert/strict';
import { MAX_CARD_BYTES, VERBS, cardBytes, statusCard } from '../../src/cards';
import type { RoleGrant, TenantFacts } from '../../src/domain/facts';
import { ROLE, ROLE_LISTS } from '../../src/domain/roles';
import { buildStatusReport } from '../../src/domain/status';
import { choiceSets, executeActions, lines } from './inspect';
import { validateCard } from './validate';

const NOW = new Date('2025-11-26T09:00:00Z');

/** Facts for `count` admins holding template roles round-robin; every third one is registered. */
function facts(count: number): TenantFacts {
  const grants: RoleGrant[] = [];
  const registrations: Record<string, boolean> = {};
  const roles = ROLE_LISTS.template;
  for (let i = 0; i < count; i += 1) {
    const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    grants.push({
      roleId: roles[i % roles.length],
      activation: i % 4 === 0 ? 'eligible' : 'active',
      principal: { kind: 'user', id, displayName: `Firstname Lastname ${i}`, userPrincipalName: `firstname.lastname${i}@contoso.onmicrosoft.com`, accountEnabled: true },
      directoryScopeId: '/',
    });
    if (i % 5 !== 4) registrations[id] = i % 3 === 0;
  }
  return {
    tenantId: 'c0ffee00-0000-4000-8000-000000000000',
    tenantName: 'Contoso',
    grants,
    groupMembers: {},
    registrations,
    policies: [{
      id: 'p-1',
      displayName: 'Require MFA for Global Administrators',
      state: 'enabledForReportingButNotEnforced',
      conditions: { clientAppTypes: ['all'], users: { includeRoles: [ROLE.globalAdministrator] }, applications: { includeApplications: ['All'] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    }],
    mfaStrengthIds: [],
    securityDefaultsEnabled: false,
    licence: 'p1',
    secureScore: null,
    roleNames: {},
    caveats: [],
    graphRequests: 9,
    readAt: NOW.toISOString(),
  };
}

describe('statusCard on a report from buildStatusReport', () => {
  const settings = { roleIds: [...ROLE_LISTS.template], breakGlassUserIds: [], exclusionGroupId: null };

  it('renders a small tenant as a valid card whose headline matches the totals', () => {
    const report = buildStatusReport(facts(12), settings, NOW);
    const card = statusCard(report, { now: NOW });
    assert.deepEqual(validateCard(card), []);
    assert.equal(lines(card)[0], `${report.totals.registered} of ${report.totals.admins} admins are registered for MFA`);
    assert.ok(lines(card).some((l) => l.startsWith('Require MFA for Global Administrators: ')));
    assert.ok(executeActions(card).every((a) => Object.values(VERBS).includes(a.verb)));
  });

  it('renders 5,000 admins under the size limit, listing 15 and offering a picker', () => {
    const report = buildStatusReport(facts(5_000), settings, NOW);
    const card = statusCard(report, { now: NOW });
    assert.ok(cardBytes(card) <= MAX_CARD_BYTES, `${cardBytes(card)} bytes`);
    assert.deepEqual(validateCard(card), []);
    const missing = report.totals.unregistered + report.totals.unknown;
    assert.equal(lines(card).filter((l) => l.startsWith('Firstname Lastname ')).length, 15);
    assert.ok(lines(card).includes(`and ${missing - 15} more`));
    assert.ok(choiceSets(card)[0].choices.length > 15);
  });
});
