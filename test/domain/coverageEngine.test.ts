import assert from 'node:assert/strict';
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import {
  createCoverageEngine, evaluateAdmin, evaluateAdmins, evaluateRole, type AdminSubject, type CoverageOptions, type SubjectCoverage,
} from '../../src/domain/coverageEngine';
import { adminWho, describeGap, roleWho } from '../../src/domain/coverageWords';
import { ROLE } from '../../src/domain/roles';
import { count, members } from '../../src/domain/signInSpace';

const GA = ROLE.globalAdministrator;
const SEC = ROLE.securityAdministrator;
const EXO_ADMIN = ROLE.exchangeAdministrator;
const EXCHANGE_ONLINE = '00000002-0000-0ff1-ce00-000000000000';
const CUSTOM_APP = 'a1000000-0000-4000-8000-000000000001';
const OFFICE = 'e1000000-0000-4000-8000-000000000001';
const BRIAN = 'b1000000-0000-4000-8000-000000000001';
const GROUP = 'c1000000-0000-4000-8000-000000000001';
const SERVICE_GROUP = 'c1000000-0000-4000-8000-000000000002';
const BREAK_GLASS_USER = 'b9000000-0000-4000-8000-000000000001';
const BREAK_GLASS_GROUP = 'c9000000-0000-4000-8000-000000000001';
const CUSTOM_STRENGTH = 'f0000000-0000-4000-8000-000000000001';

type Conditions = Record<string, unknown>;

/** An enabled policy requiring MFA for GA and Security Administrator on every sign-in, with parts replaced. */
function policy(id: string, parts: { users?: Conditions; conditions?: Conditions; grant?: Record<string, unknown> | null; state?: string } = {}): ConditionalAccessPolicy {
  return {
    id,
    displayName: id,
    state: parts.state ?? 'enabled',
    conditions: {
      clientAppTypes: ['all'],
      applications: { includeApplications: ['All'] },
      ...parts.conditions,
      users: { includeRoles: [GA, SEC], ...parts.users },
    },
    grantControls: parts.grant === undefined ? { operator: 'OR', builtInControls: ['mfa'] } : parts.grant,
  } as ConditionalAccessPolicy;
}

const role = (policies: ConditionalAccessPolicy[], roleId: string = GA, options: CoverageOptions = {}): SubjectCoverage =>
  evaluateRole(createCoverageEngine(policies, options), roleId);

function assertCovered(verdict: SubjectCoverage): void {
  assert.equal(verdict.covered, true, `expected covered, gap: ${JSON.stringify(verdict.gap)}`);
  assert.equal(verdict.gap, null);
}

function assertNotCovered(verdict: SubjectCoverage): NonNullable<SubjectCoverage['gap']> {
  assert.equal(verdict.covered, false, 'expected a gap');
  assert.ok(verdict.gap, 'a gap carries a counterexample');
  return verdict.gap;
}

const admin = (overrides: Partial<AdminSubject> = {}): AdminSubject => ({ id: BRIAN, activeRoleIds: [GA], ...overrides });

describe('coverage engine', () => {
  describe('a policy protects only when enabled', () => {
    it('an enabled MFA policy covers the roles it includes', () => {
      assertCovered(role([policy('p')]));
    });

    for (const [state, words] of [['enabledForReportingButNotEnforced', 'is report-only'], ['disabled', 'is disabled']] as const) {
      it(`a policy in state ${state} protects nothing, and the gap says it ${words}`, () => {
        const gap = assertNotCovered(role([policy('p', { state })]));
        assert.deepEqual(gap.closest.map((m) => [m.policyId, m.reasons[0]]), [['p', words]]);
      });
    }

    it('an unknown state protects nothing and is warned about', () => {
      const engine = createCoverageEngine([policy('p', { state: 'enabledSometimes' })]);

      assertNotCovered(evaluateRole(engine, GA));
      assert.match(engine.warnings.join('\n'), /"enabledSometimes", which MfaBot does not know/);
    });
  });

  describe('a grant protects when it cannot be met without MFA', () => {
    it('block alone protects', () => {
      assertCovered(role([policy('p', { grant: { operator: 'OR', builtInControls: ['block'] } })]));
    });

    it('MFA alone protects, even without an operator', () => {
      assertCovered(role([policy('p', { grant: { builtInControls: ['mfa'] } })]));
    });

    it('MFA AND a compliant device protects; MFA OR a compliant device does not', () => {
      assertCovered(role([policy('p', { grant: { operator: 'AND', builtInControls: ['mfa', 'compliantDevice'] } })]));
      const gap = assertNotCovered(role([policy('p', { grant: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] } })]));
      assert.equal(gap.closest[0]?.reasons[0], 'accepts compliant device instead of MFA');
    });

    it('a missing operator reads as OR', () => {
      const verdict = role([policy('p', { grant: { builtInControls: ['mfa', 'compliantDevice'] } })]);
      assertNotCovered(verdict);
      assert.match(verdict.gaps[0]?.reason ?? '', /does not say AND/);
    });

    it('a built-in MFA authentication strength protects by its id alone', () => {
      for (const id of ['00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000004']) {
        assertCovered(role([policy('p', { grant: { operator: 'OR', authenticationStrength: { id } } })]));
      }
    });

    it('a custom strength protects when the tenant\'s list says it requires MFA, and not otherwise', () => {
      const policies = [policy('p', { grant: { operator: 'OR', authenticationStrength: { id: CUSTOM_STRENGTH } } })];

      assertCovered(role(policies, GA, { authenticationStrengths: [{ id: CUSTOM_STRENGTH, requirementsSatisfied: 'mfa' }] }));
      assertNotCovered(role(policies, GA, { authenticationStrengths: [{ id: CUSTOM_STRENGTH, requirementsSatisfied: 'none' }] }));
      const unknown = role(policies);
      assertNotCovered(unknown);
      assert.match(unknown.gaps[0]?.reason ?? '', /is not known to require MFA/);
    });

    it('session controls alone protect nothing', () => {
      const verdict = role([{ ...policy('p', { grant: null }), sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 4 } } }]);
      assertNotCovered(verdict);
      assert.match(verdict.gaps[0]?.reason ?? '', /only sets sign-in frequency/);
    });
  });

  describe('split policies fill the sign-in space together', () => {
    const modern = policy('Require MFA for admins', { conditions: { clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'] } });
    const legacy = policy('Block legacy authentication', { conditions: { clientAppTypes: ['exchangeActiveSync', 'other'] }, grant: { operator: 'OR', builtInControls: ['block'] } });

    it('MFA for browsers and modern clients plus a policy blocking legacy clients covers the role', () => {
      const verdict = role([modern, legacy]);

      assertCovered(verdict);
      assert.deepEqual(verdict.contributing, ['Require MFA for admins', 'Block legacy authentication']);
    });

    it('MFA for modern clients alone lets Exchange ActiveSync through, and says so in one sentence', () => {
      const gap = assertNotCovered(role([modern]));

      assert.deepEqual(gap.unprotectedSignIn, {
        clientAppType: 'exchangeActiveSync', platform: 'iOS', location: 'untrusted elsewhere', application: 'All', signInRisk: 'none', userRisk: 'none',
      });
      assert.equal(
        describeGap(adminWho('Brian', ['Global Administrator']), gap),
        "Brian (Global Administrator) can sign in with Exchange ActiveSync (the iPhone Mail app) without MFA: 'Require MFA for admins' covers only browsers and modern clients, and no policy blocks legacy clients.",
      );
    });

    it('a role no policy targets can sign in anyhow', () => {
      const gap = assertNotCovered(role([modern, legacy], EXO_ADMIN));
      assert.equal(describeGap(roleWho('Exchange Administrator'), gap), 'An Exchange Administrator can sign in without MFA: no enabled policy requires MFA or blocks access for them.');
    });

    it('a block policy for legacy clients alone leaves modern clients unprotected', () => {
      const gap = assertNotCovered(role([legacy]));
      assert.equal(gap.unprotectedSignIn.clientAppType, 'browser');
    });

    it('splits by platform: listed platforms plus all-but-those covers; every named platform without "all" misses unknown ones', () => {
      const mobile = policy('mobile', { conditions: { platforms: { includePlatforms: ['android', 'iOS'] } } });
      const rest = policy('rest', { conditions: { platforms: { includePlatforms: ['all'], excludePlatforms: ['android', 'iOS'] } } });
      assertCovered(role([mobile, rest]));
      assertNotCovered(role([mobile]));

      const named = policy('named', { conditions: { platforms: { includePlatforms: ['android', 'iOS', 'windows', 'macOS', 'linux', 'windowsPhone'] } } });
      const gap = assertNotCovered(role([named]));
      assert.equal(gap.unprotectedSignIn.platform, 'unknown');
    });

    it('splits by location: MFA away from trusted locations plus MFA at trusted locations covers', () => {
      const away = policy('MFA away', { conditions: { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } } });
      const home = policy('MFA at home', { conditions: { locations: { includeLocations: ['AllTrusted'] } } });
      assertCovered(role([away, home]));

      const gap = assertNotCovered(role([away]));
      assert.equal(gap.unprotectedSignIn.location, 'trusted elsewhere');
      assert.equal(describeGap('Ann', gap), "Ann can sign in from a trusted location without MFA: 'MFA away' excludes trusted locations, and no other policy covers sign-ins from trusted locations.");
    });

    it('a named location of unknown trust is covered only by All or by naming it', () => {
      const away = policy('away', { conditions: { locations: { includeLocations: ['All'], excludeLocations: [OFFICE] } } });
      const trusted = policy('trusted', { conditions: { locations: { includeLocations: ['AllTrusted'] } } });
      const named = policy('named', { conditions: { locations: { includeLocations: [OFFICE] } } });
      const officeIs = (isTrusted: boolean): CoverageOptions => ({ namedLocations: [{ '@odata.type': '#microsoft.graph.ipNamedLocation', id: OFFICE, displayName: 'Office', isTrusted }] });

      assert.equal(assertNotCovered(role([away, trusted])).unprotectedSignIn.location, OFFICE);
      assertCovered(role([away, trusted], GA, officeIs(true)));
      assertNotCovered(role([away, trusted], GA, officeIs(false)));
      assertCovered(role([away, named]));
      // Reasons name the location as the tenant does, once its list is known.
      assert.deepEqual(role([away], GA, officeIs(false)).gaps.map((g) => g.reason), ['excludes locations ("Office")']);
      assert.deepEqual(role([away]).gaps.map((g) => g.reason), [`excludes locations (${OFFICE})`]);
    });

    it('excluding AllTrusted excludes a named location of unknown trust, and a country never counts as trusted', () => {
      const away = policy('away', { conditions: { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } } });
      const office = policy('office', { conditions: { locations: { includeLocations: [OFFICE] }, clientAppTypes: ['browser'] } });
      const trustedElsewhere = policy('trusted', { conditions: { locations: { includeLocations: ['AllTrusted'], excludeLocations: [OFFICE] } } });

      assertNotCovered(role([away, office, trustedElsewhere]));
      const country: CoverageOptions = { namedLocations: [{ '@odata.type': '#microsoft.graph.countryNamedLocation', id: OFFICE, countriesAndRegions: ['NO'] }] };
      assertCovered(role([away, office, trustedElsewhere], GA, country));
    });

    it('splits by application: Office 365 plus all apps but Office 365 covers', () => {
      const o365 = policy('o365', { conditions: { applications: { includeApplications: ['Office365'] } } });
      const rest = policy('rest', { conditions: { applications: { includeApplications: ['All'], excludeApplications: ['Office365'] } } });
      assertCovered(role([o365, rest]));
      assert.equal(assertNotCovered(role([rest])).unprotectedSignIn.application, 'Office365');
    });

    it('excluding Office 365 also excludes Exchange Online', () => {
      const rest = policy('rest', { conditions: { applications: { includeApplications: ['All'], excludeApplications: ['Office365'] } } });
      const o365ButMail = policy('o365', { conditions: { applications: { includeApplications: ['Office365'], excludeApplications: [EXCHANGE_ONLINE] } } });

      const gap = assertNotCovered(role([rest, o365ButMail]));

      assert.equal(gap.unprotectedSignIn.application, EXCHANGE_ONLINE);
      assert.deepEqual(gap.closest.map((m) => m.reasons[0]), ['excludes Office 365', 'excludes Exchange Online']);
      assert.deepEqual(gap.narrowedBy.map((n) => n.phrase), ['to Exchange Online']);
    });

    it('an app whose membership of Office 365 is not documented is never assumed either way', () => {
      const o365 = policy('o365', { conditions: { applications: { includeApplications: ['Office365'] } } });
      const rest = policy('rest', { conditions: { applications: { includeApplications: ['All'], excludeApplications: ['Office365'] } } });
      const mentions = policy('mentions', { state: 'disabled', conditions: { applications: { includeApplications: [CUSTOM_APP] } } });

      assertCovered(role([o365, rest]));
      assert.equal(assertNotCovered(role([o365, rest, mentions])).unprotectedSignIn.application, CUSTOM_APP);
    });

    it('a user action or authentication context in place of apps covers no sign-in', () => {
      for (const applications of [{ includeUserActions: ['urn:user:registersecurityinfo'] }, { includeAuthenticationContextClassReferences: ['c1'] }]) {
        const verdict = role([policy('p', { conditions: { applications } })]);
        assertNotCovered(verdict);
        assert.match(verdict.gaps[0]?.reason ?? '', /instead of cloud apps/);
      }
    });

    it('splits by sign-in risk and by user risk; an empty list means every level', () => {
      const high = policy('high', { conditions: { signInRiskLevels: ['medium', 'high'] } });
      const low = policy('low', { conditions: { signInRiskLevels: ['none', 'low'] } });
      assertCovered(role([high, low]));
      const gap = assertNotCovered(role([high]));
      assert.equal(gap.unprotectedSignIn.signInRisk, 'none');
      assert.equal(gap.closest[0]?.reasons[0], 'applies only at medium or high sign-in risk');

      const userHigh = policy('user-high', { conditions: { userRiskLevels: ['high'] } });
      const userRest = policy('user-rest', { conditions: { userRiskLevels: ['none', 'low', 'medium'] } });
      assertCovered(role([userHigh, userRest]));
      assert.equal(assertNotCovered(role([userRest])).unprotectedSignIn.userRisk, 'high');
      assertCovered(role([policy('p', { conditions: { signInRiskLevels: [], userRiskLevels: [] } })]));
    });
  });

  describe('conditions that cannot be split make a policy add no coverage', () => {
    const cases: [string, Conditions, RegExp][] = [
      ['a device filter', { devices: { deviceFilter: { mode: 'exclude', rule: 'device.isCompliant -eq True' } } }, /device filter/],
      ['authentication flows', { authenticationFlows: { transferMethods: 'deviceCodeFlow' } }, /authentication flows/],
      ['insider risk', { insiderRiskLevels: 'elevated' }, /insider risk/],
      ['workload identities', { clientApplications: { includeServicePrincipals: ['ServicePrincipalsInMyTenant'] } }, /workload identities/],
      ['deprecated device states', { devices: { includeDeviceStates: ['All'], excludeDeviceStates: ['Compliant'] } }, /skips devices in some states/],
      ['an unknown condition', { times: { allDay: false } }, /condition MfaBot cannot judge \(times\)/],
    ];
    for (const [what, conditions, reason] of cases) {
      it(`${what}: the policy contributes nothing and the reason names it; other policies still count`, () => {
        const verdict = role([policy('p', { conditions })]);
        const gap = assertNotCovered(verdict);
        assert.match(verdict.gaps[0]?.reason ?? '', reason);
        assert.match(gap.closest[0]?.reasons.join('; ') ?? '', reason);
        assertCovered(role([policy('p', { conditions }), policy('plain')]));
      });
    }

    it('the same conditions left empty narrow nothing', () => {
      const empty = { devices: { deviceFilter: null }, authenticationFlows: { transferMethods: 'none' }, insiderRiskLevels: null, clientApplications: { includeServicePrincipals: [] }, times: null };
      assertCovered(role([policy('p', { conditions: empty })]));
    });
  });

  describe('exports as they come', () => {
    it('OData annotation keys are not conditions', () => {
      const conditions = { '@odata.type': '#microsoft.graph.conditionalAccessConditionSet', 'userRiskLevels@odata.type': '#Collection(microsoft.graph.riskLevel)', userRiskLevels: [] };
      assertCovered(role([policy('p', { conditions })]));
    });

    it('"locations": [] reads as no location condition, with a warning', () => {
      const engine = createCoverageEngine([policy('p', { conditions: { locations: [] } })]);

      assertCovered(evaluateRole(engine, GA));
      assert.match(engine.warnings.join('\n'), /"locations": \[\]/);
    });
  });

  describe('who a policy applies to', () => {
    const allUsers = (users: Conditions = {}, id = 'all-users') => policy(id, { users: { includeRoles: [], includeUsers: ['All'], ...users } });

    it('excluding a role from an all-users policy exempts every admin holding it, whatever else they hold', () => {
      const policies = [allUsers({ excludeRoles: [SEC] })];
      const engine = createCoverageEngine(policies);

      assertCovered(evaluateRole(engine, GA));
      assertNotCovered(evaluateRole(engine, SEC));
      assert.equal(evaluateAdmin(engine, admin({ activeRoleIds: [GA] })).caCovered, true);
      const both = evaluateAdmin(engine, admin({ activeRoleIds: [GA, SEC] }));
      assert.equal(both.caCovered, false);
      assert.deepEqual(both.gap?.closest[0]?.reasons, ['excludes the Security Administrator role']);
    });

    it('per role, excluding users or groups that are not declared is a gap for the roles the policy targets', () => {
      const policies = [policy('p', { users: { excludeUsers: [BREAK_GLASS_USER], excludeGroups: [BREAK_GLASS_GROUP, SERVICE_GROUP] } })];

      assertNotCovered(role(policies));
      assertNotCovered(role(policies, GA, { breakGlassIds: [BREAK_GLASS_USER, BREAK_GLASS_GROUP] }));
      assertNotCovered(role(policies, GA, { breakGlassIds: [BREAK_GLASS_USER], exclusionGroupIds: [SERVICE_GROUP] }));
      assertCovered(role(policies, GA, { breakGlassIds: [BREAK_GLASS_USER, BREAK_GLASS_GROUP], exclusionGroupIds: [SERVICE_GROUP] }));
    });

    it('a second policy still covers a role that one policy leaves to undeclared exclusions', () => {
      assertCovered(role([policy('p', { users: { excludeGroups: [GROUP] } }), policy('q')]));
    });

    it('per admin, an excluded group matters only to its members', () => {
      const engine = createCoverageEngine([policy('p', { users: { excludeGroups: [GROUP] } })]);

      assert.equal(evaluateAdmin(engine, admin({ groupIds: [] })).caCovered, true);
      const member = evaluateAdmin(engine, admin({ groupIds: [GROUP.toUpperCase()] }));
      assert.equal(member.caCovered, false);
      assert.deepEqual(member.gap?.closest[0]?.reasons, [`excludes group ${GROUP}, which this admin is in`]);
    });

    it('per admin, included groups and user ids count; excluded user ids beat them', () => {
      const engine = createCoverageEngine([policy('p', { users: { includeRoles: [], includeGroups: [GROUP], includeUsers: [BRIAN] } })]);

      assert.equal(evaluateAdmin(engine, admin({ id: 'someone-else', groupIds: [GROUP] })).caCovered, true);
      assert.equal(evaluateAdmin(engine, admin()).caCovered, true);
      assert.equal(evaluateAdmin(engine, admin({ id: 'someone-else' })).caCovered, false);
      const excluded = createCoverageEngine([policy('p', { users: { excludeUsers: [BRIAN] } })]);
      assert.equal(evaluateAdmin(excluded, admin()).caCovered, false);
    });

    it('members of declared exclusion groups, listed or break-glass, are sanctioned exclusions, not covered', () => {
      const policies = [policy('p', { users: { excludeGroups: [SERVICE_GROUP, BREAK_GLASS_GROUP], excludeUsers: [BREAK_GLASS_USER] } })];
      const engine = createCoverageEngine(policies, { breakGlassIds: [BREAK_GLASS_USER, BREAK_GLASS_GROUP], exclusionGroupIds: ['c1000000-0000-4000-8000-00000000ffff', SERVICE_GROUP] });

      const service = evaluateAdmin(engine, admin({ groupIds: [SERVICE_GROUP] }));
      const glassMember = evaluateAdmin(engine, admin({ groupIds: [BREAK_GLASS_GROUP] }));
      const glassUser = evaluateAdmin(engine, admin({ id: BREAK_GLASS_USER }));
      const plain = evaluateAdmin(engine, admin());

      assert.deepEqual([service.caCovered, service.sanctionedExclusion], ['excluded', { kind: 'exclusionGroup', id: SERVICE_GROUP }]);
      assert.deepEqual([glassMember.caCovered, glassMember.sanctionedExclusion], ['excluded', { kind: 'breakGlass', id: BREAK_GLASS_GROUP }]);
      assert.deepEqual([glassUser.caCovered, glassUser.sanctionedExclusion], ['excluded', { kind: 'breakGlass', id: BREAK_GLASS_USER }]);
      assert.deepEqual([plain.caCovered, plain.sanctionedExclusion], [true, null]);
    });

    it('a PIM-eligible admin is evaluated as activated, and flagged so', () => {
      const engine = createCoverageEngine([policy('p', { users: { includeRoles: [GA] } })]);

      const eligible = evaluateAdmin(engine, admin({ activeRoleIds: [], eligibleRoleIds: [GA] }));
      const both = evaluateAdmin(engine, admin({ activeRoleIds: [GA], eligibleRoleIds: [GA] }));
      const other = evaluateAdmin(engine, admin({ activeRoleIds: [], eligibleRoleIds: [EXO_ADMIN] }));

      assert.deepEqual([eligible.caCovered, eligible.evaluatedAsActivated], [true, [GA]]);
      assert.deepEqual(both.evaluatedAsActivated, []);
      assert.equal(other.caCovered, false);
      const excluding = createCoverageEngine([policy('p', { users: { includeRoles: [], includeUsers: ['All'], excludeRoles: [GA] } })]);
      assert.equal(evaluateAdmin(excluding, admin({ activeRoleIds: [SEC], eligibleRoleIds: [GA] })).caCovered, false);
    });

    describe('groups whose members could not all be read', () => {
      it('an included group not read in full is not counted on, and the closest policy says why', () => {
        const engine = createCoverageEngine([policy('p', { users: { includeRoles: [], includeGroups: [GROUP] } })]);

        assert.equal(evaluateAdmin(engine, admin({ groupIds: [GROUP] })).caCovered, true);
        const unsure = evaluateAdmin(engine, admin({ uncertainGroupIds: [GROUP] }));
        assert.equal(unsure.caCovered, false);
        assert.deepEqual(unsure.uncertainGroups, [GROUP]);
        assert.deepEqual(unsure.gap?.closest[0]?.reasons, [`applies to group ${GROUP}, whose members MfaBot could not all read, so it may not apply to this admin`]);
      });

      it('an excluded group not read in full is taken to exclude the admin; a known non-member is not excluded', () => {
        const engine = createCoverageEngine([policy('p', { users: { excludeGroups: [GROUP] } })]);

        assert.equal(evaluateAdmin(engine, admin()).caCovered, true);
        const unsure = evaluateAdmin(engine, admin({ uncertainGroupIds: [GROUP] }));
        assert.equal(unsure.caCovered, false);
        assert.match(unsure.gap?.closest[0]?.reasons.join('; ') ?? '', /could not all read, so it may exclude this admin/);
      });

      it('a doubt that changes nothing is not reported, and a group known to hold the admin is no doubt', () => {
        const engine = createCoverageEngine([policy('p'), policy('q', { users: { includeRoles: [], includeGroups: [GROUP] } })]);

        const covered = evaluateAdmin(engine, admin({ uncertainGroupIds: [GROUP] }));
        assert.deepEqual([covered.caCovered, covered.uncertainGroups], [true, []]);
        const known = evaluateAdmin(engine, admin({ activeRoleIds: [EXO_ADMIN], groupIds: [GROUP], uncertainGroupIds: [GROUP] }));
        assert.deepEqual([known.caCovered, known.uncertainGroups], [true, []]);
      });

      it('membership of a declared break-glass or exclusion group not read in full is not assumed', () => {
        const engine = createCoverageEngine([policy('p', { users: { excludeGroups: [SERVICE_GROUP] } })], { exclusionGroupIds: [SERVICE_GROUP] });

        assert.equal(evaluateAdmin(engine, admin({ groupIds: [SERVICE_GROUP] })).caCovered, 'excluded');
        const unsure = evaluateAdmin(engine, admin({ uncertainGroupIds: [SERVICE_GROUP] }));
        assert.deepEqual([unsure.caCovered, unsure.sanctionedExclusion, unsure.uncertainGroups], [false, null, [SERVICE_GROUP]]);
      });
    });

    describe('guest and external exclusions', () => {
      const excluding = (types: string) => [policy('p', { users: { excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: types } } })];

      it('b2bCollaborationMember matches an internal member admin; other guest types do not', () => {
        assertNotCovered(role(excluding('b2bCollaborationMember')));
        assertCovered(role(excluding('internalGuest,b2bCollaborationGuest,b2bDirectConnectUser,otherExternalUser')));
      });

      it('the legacy GuestsOrExternalUsers keyword matches, and so does an exclusion that does not say which types', () => {
        assertNotCovered(role([policy('p', { users: { excludeUsers: ['GuestsOrExternalUsers'] } })]));
        assertNotCovered(role([policy('p', { users: { excludeGuestsOrExternalUsers: { externalTenants: { membershipKind: 'all' } } } })]));
        assertCovered(role([policy('p', { users: { excludeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'none' } } })]));
      });

      it('a guest admin is matched by any guest type', () => {
        const engine = createCoverageEngine(excluding('b2bCollaborationGuest'));
        assert.equal(evaluateAdmin(engine, admin({ userType: 'member' })).caCovered, true);
        assert.equal(evaluateAdmin(engine, admin({ userType: 'guest' })).caCovered, false);
      });

      it('excluding service providers (partner admins) is warned about, not a gap', () => {
        const engine = createCoverageEngine(excluding('serviceProvider'));
        assertCovered(evaluateRole(engine, GA));
        assert.match(engine.warnings.join('\n'), /service provider users \(partner admins\)/);
      });
    });
  });

  describe('many admins', () => {
    it('admins with the same roles, relevant groups and exclusions are evaluated once, in input order', () => {
      const engine = createCoverageEngine([
        policy('p', { users: { includeRoles: [GA], excludeGroups: [GROUP] } }),
      ], { exclusionGroupIds: [SERVICE_GROUP] });
      const admins: AdminSubject[] = Array.from({ length: 60 }, (_, i) => ({
        id: `a0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        activeRoleIds: i % 3 === 0 ? [GA] : [SEC],
        // Groups no policy names do not split admins apart.
        groupIds: [`d0000000-0000-4000-8000-${String(i).padStart(12, '0')}`, ...(i % 2 === 0 ? [GROUP] : [])],
      }));

      const result = evaluateAdmins(engine, admins);

      assert.equal(result.signatures, 4);
      assert.deepEqual(result.admins.map((a) => a.id), admins.map((a) => a.id));
      assert.deepEqual(result.admins.map((a) => a.caCovered), admins.map((_, i) => i % 3 === 0 && i % 2 !== 0));
      assert.deepEqual(result.admins, admins.map((a) => evaluateAdmin(engine, a)));
    });
  });

  it('counts the atoms of wide sets as listing them does', () => {
    let set = 0n;
    for (let i = 0; i < 300; i += 1) {
      if ((i * 7919) % 3 !== 0) set |= 1n << BigInt(i);
      assert.equal(count(set), members(set).length, `bit ${i}`);
    }
    assert.equal(count(0n), 0);
  });

  it('with no policies, nothing is covered and the sentence says no policy applies', () => {
    const gap = assertNotCovered(role([]));
    assert.deepEqual(gap.narrowedBy, []);
    assert.equal(describeGap('Brian (Global Administrator)', gap), 'Brian (Global Administrator) can sign in without MFA: no enabled policy requires MFA or blocks access for them.');
  });

  it('does not name "other apps" in the sentence when the hole holds every app no policy names, nor a policy for one app as close', () => {
    const azure = policy('Require MFA for Azure management', { users: { includeRoles: [], includeUsers: ['All'] }, conditions: { applications: { includeApplications: ['797f4846-ba00-4fd7-ba43-dac1f8f63013'] } } });
    const legacy = policy('Block legacy authentication', { users: { includeRoles: [], includeUsers: ['All'] }, conditions: { clientAppTypes: ['exchangeActiveSync', 'other'] }, grant: { operator: 'OR', builtInControls: ['block'] } });

    const gap = assertNotCovered(role([azure, legacy], ROLE.userAdministrator));

    assert.equal(gap.unprotectedSignIn.application, 'other apps');
    assert.equal(
      describeGap(roleWho('User Administrator'), gap),
      "A User Administrator can sign in with a web browser without MFA: 'Block legacy authentication' covers only legacy clients, and no other policy covers sign-ins with browsers and modern clients.",
    );
    // Alone, the one-app policy is still the closest there is.
    assert.deepEqual(assertNotCovered(role([azure], ROLE.userAdministrator)).closest.map((m) => m.policyName), ['Require MFA for Azure management']);
  });

  it('names at most three closest policies, fewest reasons first', () => {
    const policies = [
      policy('off', { state: 'disabled', conditions: { clientAppTypes: ['browser'] } }),
      policy('browser', { conditions: { clientAppTypes: ['browser'] } }),
      policy('trial', { state: 'enabledForReportingButNotEnforced' }),
      policy('or', { grant: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] }, conditions: { clientAppTypes: ['other'] } }),
    ];

    const gap = assertNotCovered(role(policies));

    assert.equal(gap.unprotectedSignIn.clientAppType, 'mobileAppsAndDesktopClients');
    assert.deepEqual(gap.closest.map((m) => m.policyId), ['browser', 'trial', 'off']);
    assert.deepEqual(gap.closest[2]?.reasons, ['is disabled', 'covers only browsers']);
  });
});
