import assert from 'node:assert/strict';
import type {
  ConditionalAccessApplications,
  ConditionalAccessConditionSet,
  ConditionalAccessGrantControls,
  ConditionalAccessPolicy,
  ConditionalAccessSessionControls,
  ConditionalAccessUsers,
} from '@microsoft/microsoft-graph-types';
import { evaluatePolicies, groupsToRead, NO_POLICY_REASON } from '../../src/domain/coverage';
import { ROLE } from '../../src/domain/roles';
import type { PolicyCheckSettings, RoleCoverage } from '../../src/domain/types';

const GA = ROLE.globalAdministrator;
const SEC = ROLE.securityAdministrator;
const EXO = ROLE.exchangeAdministrator;
const BREAK_GLASS = 'b0000000-0000-4000-8000-000000000001';
const STRANGER = 'c0000000-0000-4000-8000-000000000002';
const EXCLUSION_GROUP = 'd0000000-0000-4000-8000-000000000003';
const OTHER_GROUP = 'e0000000-0000-4000-8000-000000000004';
const MFA_STRENGTH = '00000000-0000-0000-0000-000000000002';
const PASSWORD_STRENGTH = 'f0000000-0000-4000-8000-000000000005';

const SETTINGS: PolicyCheckSettings = {
  roleIds: [GA, SEC],
  breakGlassUserIds: [BREAK_GLASS],
  exclusionGroupId: EXCLUSION_GROUP,
  mfaStrengthIds: [MFA_STRENGTH],
};

interface PolicySpec {
  id?: string;
  state?: ConditionalAccessPolicy['state'];
  users?: Partial<ConditionalAccessUsers>;
  applications?: Partial<ConditionalAccessApplications>;
  conditions?: Omit<ConditionalAccessConditionSet, 'users' | 'applications'>;
  grant?: ConditionalAccessGrantControls | null;
  session?: ConditionalAccessSessionControls | null;
}

/** An enabled "require MFA for GA and Security Administrator" policy, with the given parts replaced. */
function policy(spec: PolicySpec = {}): ConditionalAccessPolicy {
  const id = spec.id ?? 'p-admins';
  return {
    id,
    displayName: `Policy ${id}`,
    state: spec.state ?? 'enabled',
    conditions: {
      clientAppTypes: ['all'],
      users: { includeRoles: [GA, SEC], excludeUsers: [], excludeGroups: [], ...spec.users },
      applications: { includeApplications: ['All'], excludeApplications: [], ...spec.applications },
      ...spec.conditions,
    },
    grantControls: spec.grant === undefined ? { operator: 'OR', builtInControls: ['mfa'] } : spec.grant,
    sessionControls: spec.session ?? null,
  };
}

function roleOf(policies: ConditionalAccessPolicy[], roleId: string = GA, settings = SETTINGS): RoleCoverage {
  const role = evaluatePolicies(policies, settings).roles.find((r) => r.roleId === roleId);
  assert.ok(role, `role ${roleId} missing from the report`);
  return role;
}

function assertCovered(role: RoleCoverage, policyId = 'p-admins'): void {
  assert.equal(role.covered, true, `expected covered, gaps: ${JSON.stringify(role.gaps)}`);
  assert.deepEqual(role.coveredBy, [policyId]);
}

function assertGap(role: RoleCoverage, pattern: RegExp, policyId = 'p-admins'): void {
  assert.equal(role.covered, false);
  const gap = role.gaps.find((g) => g.policyId === policyId);
  assert.ok(gap, `no gap for ${policyId}: ${JSON.stringify(role.gaps)}`);
  assert.match(gap.reason, pattern);
}

describe('evaluatePolicies', () => {
  describe('rule 1: only an enabled policy enforces', () => {
    it('an enabled MFA policy enforces MFA for the roles it includes', () => {
      assertCovered(roleOf([policy()]));
    });

    it('a report-only policy does not enforce MFA', () => {
      assertGap(roleOf([policy({ state: 'enabledForReportingButNotEnforced' })]), /report-only: it logs but does not enforce/);
    });

    it('a disabled policy does not enforce MFA', () => {
      assertGap(roleOf([policy({ state: 'disabled' })]), /disabled/);
    });
  });

  describe('rule 2: the policy must target the role and not exclude it', () => {
    it('a policy that includes all users covers every role', () => {
      assertCovered(roleOf([policy({ users: { includeRoles: [], includeUsers: ['All'] } })], EXO, { ...SETTINGS, roleIds: [EXO] }));
    });

    it('a policy for all users that excludes a role leaves that role uncovered', () => {
      const policies = [policy({ users: { includeRoles: [], includeUsers: ['All'], excludeRoles: [SEC] } })];

      assertCovered(roleOf(policies, GA));
      assertGap(roleOf(policies, SEC), /excludes this role/);
    });

    it('a policy aimed only at groups or with includeUsers None neither covers a role nor opens a gap for it', () => {
      const policies = [
        policy({ id: 'p-group', users: { includeRoles: [], includeGroups: [OTHER_GROUP] } }),
        policy({ id: 'p-none', users: { includeRoles: [], includeUsers: ['None'] } }),
      ];

      const role = roleOf(policies);

      assert.equal(role.covered, false);
      assert.deepEqual(role.gaps, [{ policyId: '', reason: NO_POLICY_REASON }]);
    });

    it('a policy that lists the role beside includeUsers None is a gap naming it, not silence', () => {
      assertGap(roleOf([policy({ users: { includeUsers: ['None'] } })]), /its users include "None"/);
    });

    it('a policy for workload identities does not cover a role, even if it also lists the role', () => {
      const clientApplications = { includeServicePrincipals: ['ServicePrincipalsInMyTenant'], excludeServicePrincipals: [] };
      assertGap(roleOf([policy({ conditions: { clientApplications } })]), /applies to workload identities \(service principals: ServicePrincipalsInMyTenant\)/);
    });

    it('an empty clientApplications condition narrows nothing', () => {
      assertCovered(roleOf([policy({ conditions: { clientApplications: { includeServicePrincipals: [], excludeServicePrincipals: [] } } })]));
    });

    it('role ids match whatever their letter case', () => {
      assertCovered(roleOf([policy({ users: { includeRoles: [GA.toUpperCase()] } })]));
    });
  });

  describe('rule 3: the policy must cover all cloud apps', () => {
    it('includeApplications All with no exclusions covers the role', () => {
      assertCovered(roleOf([policy({ applications: { includeApplications: ['All'] } })]));
    });

    it('a policy for Office 365 only covers only some cloud apps', () => {
      assertGap(roleOf([policy({ applications: { includeApplications: ['Office365'] } })]), /covers only some cloud apps \(Office365\)/);
    });

    it('a policy that excludes an application is a gap naming the app', () => {
      const appId = '797f4846-ba00-4fd7-ba43-dac1f8f63013';
      assertGap(roleOf([policy({ applications: { excludeApplications: [appId] } })]), new RegExp(`excludes apps \\(${appId}\\)`));
    });

    it('a policy on user actions instead of cloud apps is a gap', () => {
      const role = roleOf([
        policy({ applications: { includeApplications: [], includeUserActions: ['urn:user:registersecurityinfo'] } }),
      ]);
      assertGap(role, /targets user actions instead of cloud apps \(urn:user:registersecurityinfo\)/);
    });

    it('a policy on an authentication context instead of cloud apps is a gap', () => {
      const role = roleOf([
        policy({ applications: { includeApplications: [], includeAuthenticationContextClassReferences: ['c1'] } }),
      ]);
      assertGap(role, /targets an authentication context instead of cloud apps \(c1\)/);
    });
  });

  describe('rule 4: the grant cannot be satisfied without MFA', () => {
    it('MFA as the only control enforces, even without an operator', () => {
      assertCovered(roleOf([policy({ grant: { builtInControls: ['mfa'] } })]));
    });

    it('MFA AND a compliant device enforces MFA', () => {
      assertCovered(roleOf([policy({ grant: { operator: 'AND', builtInControls: ['mfa', 'compliantDevice'] } })]));
    });

    it('MFA OR a compliant device does not enforce MFA', () => {
      const role = roleOf([policy({ grant: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] } })]);
      assertGap(role, /MFA is only one option: the grant is OR with compliant device/);
    });

    it('MFA OR terms of use names the terms of use as the way around MFA', () => {
      const role = roleOf([policy({ grant: { operator: 'OR', builtInControls: ['mfa'], termsOfUse: ['tou-1'] } })]);
      assertGap(role, /OR with terms of use/);
    });

    it('an authentication strength that requires MFA enforces MFA', () => {
      assertCovered(roleOf([policy({ grant: { operator: 'OR', authenticationStrength: { id: MFA_STRENGTH } } })]));
    });

    it('an inline authentication strength whose requirement is mfa enforces MFA', () => {
      const strength = { id: 'custom-strength', requirementsSatisfied: 'mfa' as const };
      assertCovered(roleOf([policy({ grant: { operator: 'OR', authenticationStrength: strength } })]));
    });

    it('an authentication strength that does not require MFA is a gap', () => {
      const strength = { id: PASSWORD_STRENGTH, displayName: 'Password only', requirementsSatisfied: 'none' as const };
      const role = roleOf([policy({ grant: { operator: 'OR', authenticationStrength: strength } })]);
      assertGap(role, /authentication strength "Password only" does not require MFA/);
    });

    it('an id-only reference to a strength not known to require MFA is a gap that says so', () => {
      const role = roleOf([policy({ grant: { operator: 'OR', authenticationStrength: { id: PASSWORD_STRENGTH } } })]);
      assertGap(role, new RegExp(`authentication strength "${PASSWORD_STRENGTH}" is not known to require MFA`));
    });

    it('MFA OR an unknown strength is a gap, since the strength may be weaker', () => {
      const role = roleOf([policy({ grant: { operator: 'OR', builtInControls: ['mfa'], authenticationStrength: { id: PASSWORD_STRENGTH } } })]);
      assertGap(role, /OR with authentication strength .* that is not known to require MFA/);
    });

    it('control names match whatever their letter case', () => {
      const grant = { operator: 'OR', builtInControls: ['MFA'] } as unknown as ConditionalAccessGrantControls;
      assertCovered(roleOf([policy({ grant })]));
    });

    it('a block policy protects: no sign-in gets through without MFA when none gets through at all', () => {
      assertCovered(roleOf([policy({ grant: { operator: 'OR', builtInControls: ['block'] } })]));
    });

    it('a policy that only sets sign-in frequency does not require MFA', () => {
      const session = { signInFrequency: { isEnabled: true, type: 'hours' as const, value: 4 } };
      assertGap(roleOf([policy({ grant: null, session })]), /only sets sign-in frequency; it does not require MFA/);
    });

    it('a policy with no grant controls grants access without MFA', () => {
      assertGap(roleOf([policy({ grant: null })]), /grants access without requiring MFA/);
    });
  });

  describe('rule 5: no condition may narrow who or when it applies', () => {
    it('clientAppTypes listing all four types is the same as all', () => {
      const clientAppTypes: ConditionalAccessConditionSet['clientAppTypes'] = ['browser', 'mobileAppsAndDesktopClients', 'easSupported', 'other'];
      assertCovered(roleOf([policy({ conditions: { clientAppTypes } })]));
    });

    it('a policy for browsers only is a gap', () => {
      assertGap(roleOf([policy({ conditions: { clientAppTypes: ['browser'] } })]), /applies only to some client apps \(browser\)/);
    });

    it('platforms including all with no exclusion cover the role', () => {
      assertCovered(roleOf([policy({ conditions: { platforms: { includePlatforms: ['all'], excludePlatforms: [] } } })]));
    });

    it('a policy that excludes a platform is a gap naming it', () => {
      const role = roleOf([policy({ conditions: { platforms: { includePlatforms: ['all'], excludePlatforms: ['iOS'] } } })]);
      assertGap(role, /excludes platforms \(iOS\)/);
    });

    it('a policy for some platforms only is a gap', () => {
      const role = roleOf([policy({ conditions: { platforms: { includePlatforms: ['windows'] } } })]);
      assertGap(role, /applies only to some platforms \(windows\)/);
    });

    it('locations including All with no exclusion cover the role', () => {
      assertCovered(roleOf([policy({ conditions: { locations: { includeLocations: ['All'], excludeLocations: [] } } })]));
    });

    it('a policy that excludes trusted locations is a gap', () => {
      const role = roleOf([policy({ conditions: { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } } })]);
      assertGap(role, /excludes locations \(AllTrusted\)/);
    });

    it('a policy for some locations only is a gap', () => {
      const role = roleOf([policy({ conditions: { locations: { includeLocations: ['loc-1'] } } })]);
      assertGap(role, /applies only in some locations \(loc-1\)/);
    });

    it('a policy that applies only at some sign-in risk levels is a gap', () => {
      const role = roleOf([policy({ conditions: { signInRiskLevels: ['high', 'medium'] } })]);
      assertGap(role, /applies only at some sign-in risk levels \(high, medium\)/);
    });

    it('a policy that applies only at some user risk levels is a gap', () => {
      assertGap(roleOf([policy({ conditions: { userRiskLevels: ['high'] } })]), /applies only at some user risk levels \(high\)/);
    });

    it('a policy that applies only at some insider risk levels is a gap', () => {
      assertGap(roleOf([policy({ conditions: { insiderRiskLevels: 'elevated' } })]), /insider risk levels \(elevated\)/);
    });

    it('a policy with a device filter is a gap', () => {
      const devices = { deviceFilter: { mode: 'exclude' as const, rule: 'device.trustType -eq "ServerAD"' } };
      assertGap(roleOf([policy({ conditions: { devices } })]), /device filter/);
    });

    it('a policy limited to some authentication flows is a gap', () => {
      const role = roleOf([policy({ conditions: { authenticationFlows: { transferMethods: 'deviceCodeFlow' } } })]);
      assertGap(role, /authentication flows \(deviceCodeFlow\)/);
    });

    it('insider risk levels given as null, an empty array or "none" narrow nothing', () => {
      for (const insiderRiskLevels of [null, [], 'none']) {
        const conditions = { insiderRiskLevels } as unknown as ConditionalAccessConditionSet;
        assertCovered(roleOf([policy({ conditions })]));
      }
    });

    it('insider risk levels given as an array are a gap too', () => {
      const conditions = { insiderRiskLevels: ['elevated'] } as unknown as ConditionalAccessConditionSet;
      assertGap(roleOf([policy({ conditions })]), /insider risk levels \(elevated\)/);
    });

    it('a policy that skips devices by the legacy device-state condition is a gap', () => {
      const devices = { includeDeviceStates: ['All'], excludeDeviceStates: ['Compliant', 'DomainJoined'] } as unknown as ConditionalAccessConditionSet['devices'];
      assertGap(roleOf([policy({ conditions: { devices } })]), /skips devices in some states \(Compliant, DomainJoined\)/);
    });

    it('a devices condition without a filter narrows nothing', () => {
      assertCovered(roleOf([policy({ conditions: { devices: { deviceFilter: null } } })]));
    });

    it('client app type names match whatever their letter case', () => {
      const conditions = { clientAppTypes: ['All'] } as unknown as ConditionalAccessConditionSet;
      assertCovered(roleOf([policy({ conditions })]));
    });

    it('a condition the rules do not know is a gap when set, and ignored when empty', () => {
      const set = { times: { allDay: false, included: { '@odata.type': '#microsoft.graph.conditionalAccessTimeSchedule' } } } as unknown as ConditionalAccessConditionSet;
      assertGap(roleOf([policy({ conditions: set })]), /sets a condition MfaBot cannot judge \(times\)/);
      const unset = { times: null, agentIdRiskLevels: [] } as unknown as ConditionalAccessConditionSet;
      assertCovered(roleOf([policy({ conditions: unset })]));
    });

    it('service principal risk levels do not narrow a policy for users', () => {
      assertCovered(roleOf([policy({ conditions: { servicePrincipalRiskLevels: ['high'] } })]));
    });
  });

  describe('rule 6: the policy excludes nobody but the declared break-glass accounts', () => {
    it('excluding a declared break-glass account keeps the role covered', () => {
      assertCovered(roleOf([policy({ users: { excludeUsers: [BREAK_GLASS] } })]));
    });

    it('excluding a user who is not a declared break-glass account is a gap naming the user', () => {
      const role = roleOf([policy({ users: { excludeUsers: [BREAK_GLASS, STRANGER] } })]);
      assertGap(role, new RegExp(`excludes user ${STRANGER} who is not a declared break-glass account`));
      assert.doesNotMatch(role.gaps[0]?.reason ?? '', new RegExp(BREAK_GLASS));
    });

    it('excluding the declared service-account exclusion group keeps the role covered', () => {
      assertCovered(roleOf([policy({ users: { excludeGroups: [EXCLUSION_GROUP] } })]));
    });

    it('excluding any other group is a gap naming the group', () => {
      const role = roleOf([policy({ users: { excludeGroups: [OTHER_GROUP] } })]);
      assertGap(role, new RegExp(`excludes group ${OTHER_GROUP} \\(not a declared break-glass or exclusion group\\)`));
    });

    it('excluding any group is a gap when no exclusion group is declared', () => {
      const role = roleOf([policy({ users: { excludeGroups: [EXCLUSION_GROUP] } })], GA, { ...SETTINGS, exclusionGroupId: null });
      assertGap(role, new RegExp(`excludes group ${EXCLUSION_GROUP}`));
    });

    it('excluding B2B collaboration members is a gap: they cannot be told apart from internal admins', () => {
      // Graph writes this flags enum as one comma-separated string.
      const users = { excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'internalGuest,b2bCollaborationMember' } } as unknown as ConditionalAccessUsers;
      assertGap(roleOf([policy({ users })]), /excludes guest or external users \(b2bCollaborationMember\), which can match an internal admin/);
    });

    it('excluding guest types an internal admin cannot be keeps the role covered', () => {
      const users = { excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest,internalGuest' } } as unknown as ConditionalAccessUsers;
      assertCovered(roleOf([policy({ users })]));
    });

    it('excluding guests or external users without saying which types is a gap', () => {
      const users = { excludeGuestsOrExternalUsers: { externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' } } } as unknown as ConditionalAccessUsers;
      assertGap(roleOf([policy({ users })]), /excludes guest or external users \(which types is not stated\)/);
    });

    it('an exclusion of guest types "none" excludes nobody', () => {
      const users = { excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'none' as const } };
      assertCovered(roleOf([policy({ users })]));
    });

    it('including guests beside the roles narrows nothing', () => {
      const users = { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest' as const } };
      assertCovered(roleOf([policy({ users })]));
    });
  });

  describe('split policies: roles may be covered by different policies', () => {
    it('two policies each covering some roles cover them all', () => {
      const policies = [
        policy({ id: 'p-ga', users: { includeRoles: [GA] } }),
        policy({ id: 'p-sec', users: { includeRoles: [SEC] } }),
      ];

      const report = evaluatePolicies(policies, SETTINGS);

      assert.equal(report.covered, true);
      assert.deepEqual(report.uncoveredRoleIds, []);
      assert.deepEqual(report.roles.map((r) => r.coveredBy), [['p-ga'], ['p-sec']]);
    });

    it('a role covered by one policy still lists the gaps of the others', () => {
      const policies = [policy({ id: 'p-on' }), policy({ id: 'p-trial', state: 'enabledForReportingButNotEnforced' })];

      const role = roleOf(policies);

      assertCovered(role, 'p-on');
      assert.deepEqual(role.gaps.map((g) => g.policyId), ['p-trial']);
    });

    it('a policy listed twice (a duplicated export) is listed once in coveredBy and in gaps', () => {
      assert.deepEqual(roleOf([policy(), policy()]).coveredBy, ['p-admins']);
      const trial = policy({ id: 'p-trial', state: 'disabled' });
      assert.equal(roleOf([policy(), trial, trial]).gaps.length, 1);
    });

    it('every enforcing policy is listed in coveredBy', () => {
      assert.deepEqual(roleOf([policy({ id: 'p-1' }), policy({ id: 'p-2' })]).coveredBy, ['p-1', 'p-2']);
    });
  });

  describe('the report', () => {
    it('with no policies at all, every role has the no-policy gap', () => {
      const report = evaluatePolicies([], SETTINGS);

      assert.equal(report.covered, false);
      assert.deepEqual(report.uncoveredRoleIds, [GA, SEC]);
      for (const role of report.roles) assert.deepEqual(role.gaps, [{ policyId: '', reason: NO_POLICY_REASON }]);
    });

    it('lists roles in the order of the scope, with their display names', () => {
      const report = evaluatePolicies([], { ...SETTINGS, roleIds: [SEC, GA] });

      assert.deepEqual(report.roles.map((r) => [r.roleId, r.displayName]), [
        [SEC, 'Security Administrator'],
        [GA, 'Global Administrator'],
      ]);
    });

    it('names an unknown role by the name learnt from the tenant', () => {
      const custom = '11111111-2222-4333-8444-555555555555';

      const report = evaluatePolicies([], { ...SETTINGS, roleIds: [custom] }, { [custom]: 'Custom Reader' });

      assert.equal(report.roles[0]?.displayName, 'Custom Reader');
    });

    it('gives one gap per policy per role, naming the policy and every reason joined by "; "', () => {
      const broken = policy({
        state: 'disabled',
        applications: { includeApplications: ['Office365'] },
        users: { excludeUsers: [STRANGER] },
      });

      const role = roleOf([broken]);

      assert.equal(role.gaps.length, 1);
      assert.equal(role.gaps[0]?.policyName, 'Policy p-admins');
      assert.equal(
        role.gaps[0]?.reason,
        `disabled; covers only some cloud apps (Office365); excludes user ${STRANGER} who is not a declared break-glass account`,
      );
    });

    it('only uncovered roles are listed as uncovered', () => {
      const report = evaluatePolicies([policy({ users: { includeRoles: [GA] } })], SETTINGS);

      assert.equal(report.covered, false);
      assert.deepEqual(report.uncoveredRoleIds, [SEC]);
    });
  });
});

describe('groupsToRead', () => {
  const withUsers = (id: string, users: ConditionalAccessUsers, state: ConditionalAccessPolicy['state'] = 'enabled', builtInControls: ConditionalAccessGrantControls['builtInControls'] = ['mfa']): ConditionalAccessPolicy => ({
    id, displayName: id, state,
    conditions: { clientAppTypes: ['all'], applications: { includeApplications: ['All'] }, users },
    grantControls: { operator: 'OR', builtInControls },
  });

  it('names the declared groups first, then those protecting policies exclude, then those they include, each once', () => {
    const groups = groupsToRead([
      withUsers('inc', { includeGroups: [OTHER_GROUP.toUpperCase(), 'g-inc'] }),
      withUsers('exc', { includeUsers: ['All'], excludeUsers: [BREAK_GLASS], excludeGroups: [OTHER_GROUP, EXCLUSION_GROUP] }),
    ], { breakGlassIds: [BREAK_GLASS, 'g-glass'], exclusionGroupIds: [EXCLUSION_GROUP] });

    assert.deepEqual(groups, { declared: ['g-glass', EXCLUSION_GROUP], excluded: [OTHER_GROUP], included: ['g-inc'] }, 'a break-glass id a policy lists among users is a user');
  });

  it('leaves out the groups of policies that protect nothing, and reads those of a custom MFA strength once it knows it', () => {
    const strength: ConditionalAccessPolicy = { ...withUsers('strength', { includeGroups: ['g-strength'] }), grantControls: { operator: 'OR', authenticationStrength: { id: PASSWORD_STRENGTH } } };
    const policies = [
      withUsers('report-only', { includeGroups: ['g-pilot'] }, 'enabledForReportingButNotEnforced'),
      withUsers('device', { includeGroups: ['g-device'] }, 'enabled', ['compliantDevice']),
      withUsers('block', { includeGroups: ['g-block'] }, 'enabled', ['block']),
      strength,
    ];

    assert.deepEqual(groupsToRead(policies, {}).included, ['g-block']);
    assert.deepEqual(groupsToRead(policies, { authenticationStrengths: [{ id: PASSWORD_STRENGTH, requirementsSatisfied: 'mfa' }] }).included, ['g-block', 'g-strength']);
  });
});
