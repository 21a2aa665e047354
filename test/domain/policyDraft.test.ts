import assert from 'node:assert/strict';
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import {
  POLICY_DISPLAY_NAME, buildPolicyDraft, describeDraft, enforceBlockers, isMfaBotPolicy, policyDrift, sameDraft, verifyDraft, type PolicyDraftSettings,
} from '../../src/domain/policyDraft';
import { ROLE, parseRoleScope } from '../../src/domain/roles';

const BREAK_GLASS = 'B9000000-0000-4000-8000-0000000000B1';
const GROUP = 'c0000000-0000-4000-8000-0000000000c2';
const PHISHING_RESISTANT = '00000000-0000-0000-0000-000000000004';
const CUSTOM_STRENGTH = 'c0ffee00-0000-4000-8000-000000000005';

const settings = (overrides: Partial<PolicyDraftSettings> = {}): PolicyDraftSettings => ({
  roleIds: parseRoleScope('template'), breakGlassUserIds: [BREAK_GLASS], exclusionGroupIds: [GROUP], authenticationStrengthId: null, ...overrides,
});

describe('the policy draft', () => {
  it('is built from configuration: roles in scope, all apps, all clients, MFA, break-glass and group excluded, report-only', () => {
    const draft = buildPolicyDraft(settings());
    assert.equal(draft.displayName, POLICY_DISPLAY_NAME);
    assert.equal(draft.state, 'enabledForReportingButNotEnforced');
    assert.deepEqual([...draft.conditions.users.includeRoles].sort(), [...parseRoleScope('template')].sort());
    assert.equal(draft.conditions.users.includeRoles[0], ROLE.globalAdministrator, 'most dangerous role first');
    assert.deepEqual(draft.conditions.users.excludeUsers, [BREAK_GLASS.toLowerCase()]);
    assert.deepEqual(draft.conditions.users.excludeGroups, [GROUP]);
    assert.deepEqual(draft.conditions.applications, { includeApplications: ['All'] });
    assert.deepEqual(draft.conditions.clientAppTypes, ['all']);
    assert.deepEqual(draft.grantControls, { operator: 'OR', builtInControls: ['mfa'] });
  });

  it('requires an authentication strength instead of plain MFA when one is configured', () => {
    const draft = buildPolicyDraft(settings({ authenticationStrengthId: PHISHING_RESISTANT }));
    assert.deepEqual(draft.grantControls, { operator: 'OR', builtInControls: [], authenticationStrength: { id: PHISHING_RESISTANT } });
  });

  it('leaves excludeGroups empty without an exclusion group, and dedupes ids', () => {
    const draft = buildPolicyDraft(settings({ exclusionGroupIds: [], breakGlassUserIds: [BREAK_GLASS, BREAK_GLASS.toLowerCase()], roleIds: [ROLE.globalAdministrator, ROLE.globalAdministrator] }));
    assert.deepEqual(draft.conditions.users.excludeGroups, []);
    assert.deepEqual(draft.conditions.users.excludeUsers, [BREAK_GLASS.toLowerCase()]);
    assert.deepEqual(draft.conditions.users.includeRoles, [ROLE.globalAdministrator]);
  });

  it('would cover every role in scope once enabled (checked with the coverage rules)', () => {
    assert.deepEqual(verifyDraft(buildPolicyDraft(settings()), settings()), { ok: true, problems: [] });
  });

  it('is caught by the check when the strength is not known to require MFA', () => {
    const s = settings({ authenticationStrengthId: CUSTOM_STRENGTH });
    const verdict = verifyDraft(buildPolicyDraft(s), s, []);
    assert.equal(verdict.ok, false);
    assert.match(verdict.problems[0] ?? '', /Global Administrator/);
    assert.equal(verifyDraft(buildPolicyDraft(s), s, [CUSTOM_STRENGTH]).ok, true);
  });

  it('knows the built-in strengths require MFA without being told', () => {
    const s = settings({ authenticationStrengthId: PHISHING_RESISTANT });
    assert.equal(verifyDraft(buildPolicyDraft(s), s, []).ok, true);
  });

  it('is caught by the check when it would exclude a group that is not the declared one', () => {
    const draft = buildPolicyDraft(settings());
    const verdict = verifyDraft(draft, settings({ exclusionGroupIds: [] }));
    assert.equal(verdict.ok, false);
    assert.match(verdict.problems.join(' '), /excludes group/);
  });

  it('compares drafts regardless of id order and case', () => {
    const a = buildPolicyDraft(settings());
    const b = structuredClone(a);
    b.conditions.users.includeRoles.reverse();
    assert.equal(sameDraft(a, b), true);
    assert.equal(sameDraft(a, buildPolicyDraft(settings({ breakGlassUserIds: [] }))), false);
  });

  it('describes itself in words, with exclusions by name', () => {
    const words = describeDraft(buildPolicyDraft(settings()), { users: { [BREAK_GLASS.toLowerCase()]: 'Break Glass 1' }, groups: { [GROUP]: 'On-call' } });
    assert.equal(words.roles[0], 'Global Administrator');
    assert.equal(words.roles.length, 14);
    assert.deepEqual(words.excludedUsers, [`Break Glass 1 (${BREAK_GLASS.toLowerCase()})`]);
    assert.deepEqual(words.excludedGroups, [`On-call (${GROUP})`]);
    assert.match(words.state, /Report-only/);
    assert.equal(words.grant, 'Require multifactor authentication');
  });

  it('recognises MfaBot\'s policy by display name', () => {
    assert.equal(isMfaBotPolicy({ displayName: ' mfabot - require MFA for admin roles ' }), true);
    assert.equal(isMfaBotPolicy({ displayName: 'Require MFA for admins' }), false);
  });
});

describe('before enforcing', () => {
  const created = (): ConditionalAccessPolicy => ({ ...structuredClone(buildPolicyDraft(settings())), id: 'p1' } as ConditionalAccessPolicy);

  it('finds nothing wrong with the policy as MfaBot created it', () => {
    assert.deepEqual(enforceBlockers(created(), settings()), []);
  });

  it('refuses when a break-glass account is no longer excluded', () => {
    const policy = created();
    policy.conditions = { ...policy.conditions, users: { ...policy.conditions?.users, excludeUsers: [] } };
    assert.match(enforceBlockers(policy, settings()).join(' '), /no longer excludes the break-glass account/);
  });

  it('refuses when someone weakened the policy (e.g. added a compliant-device alternative)', () => {
    const policy = created();
    policy.grantControls = { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] };
    assert.match(enforceBlockers(policy, settings()).join(' '), /would no longer require MFA/);
  });

  it('says when the policy is already enforced', () => {
    assert.match(enforceBlockers({ ...created(), state: 'enabled' }, settings()).join(' '), /already enforced/);
  });
});

describe('whether the policy is still the one MfaBot created', () => {
  /** The draft as Graph echoes it: its own ids and timestamps, every omitted setting as null or [], ids in any case and order. */
  const asGraphReturnsIt = (overrides: { strength?: string } = {}): ConditionalAccessPolicy => {
    const draft = buildPolicyDraft(settings(overrides.strength ? { authenticationStrengthId: overrides.strength } : {}));
    return {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies/$entity',
      id: '7359D0E0-D8A9-4AFA-8A93-E23E099A7BE8',
      templateId: null,
      displayName: draft.displayName,
      createdDateTime: '2026-11-30T10:00:00Z',
      modifiedDateTime: null,
      state: 'enabledForReportingButNotEnforced',
      sessionControls: null,
      conditions: {
        userRiskLevels: [], signInRiskLevels: [], clientAppTypes: ['all'], servicePrincipalRiskLevels: [],
        platforms: null, locations: null, devices: null, clientApplications: null,
        applications: { includeApplications: ['All'], excludeApplications: [], includeUserActions: [], includeAuthenticationContextClassReferences: [], applicationFilter: null },
        users: {
          includeUsers: [], excludeUsers: [BREAK_GLASS], includeGroups: [], excludeGroups: [GROUP.toUpperCase()],
          includeRoles: [...draft.conditions.users.includeRoles].reverse().map((r) => r.toUpperCase()), excludeRoles: [],
          includeGuestsOrExternalUsers: null, excludeGuestsOrExternalUsers: null,
        },
      },
      grantControls: overrides.strength
        ? { operator: 'OR', builtInControls: [], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: { id: overrides.strength, displayName: 'Phishing-resistant MFA', requirementsSatisfied: 'mfa' } as never }
        : { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null },
    } as ConditionalAccessPolicy;
  };

  it('finds no change in the policy as Graph returns it after creating it', () => {
    assert.deepEqual(policyDrift(buildPolicyDraft(settings()), asGraphReturnsIt()), []);
    const strong = settings({ authenticationStrengthId: PHISHING_RESISTANT });
    assert.deepEqual(policyDrift(buildPolicyDraft(strong), asGraphReturnsIt({ strength: PHISHING_RESISTANT })), []);
  });

  it('ignores a new name, a description and the single control\'s operator', () => {
    const policy = { ...asGraphReturnsIt(), displayName: 'Admins need MFA (MfaBot)', description: 'renamed in the portal' };
    policy.grantControls = { ...policy.grantControls, operator: 'AND' };
    assert.deepEqual(policyDrift(buildPolicyDraft(settings()), policy), []);
  });

  it('names each change when the policy was widened to every user with a device requirement', () => {
    const policy = asGraphReturnsIt();
    policy.conditions = { ...policy.conditions, users: { ...policy.conditions?.users, includeUsers: ['All'] } };
    policy.grantControls = { operator: 'AND', builtInControls: ['mfa', 'compliantDevice', 'domainJoinedDevice'] };
    const drift = policyDrift(buildPolicyDraft(settings()), policy);
    assert.deepEqual(drift, [
      'Included users: added All',
      'Grant controls: added compliantDevice, domainJoinedDevice',
      'Grant: now require all the selected controls',
    ]);
  });

  it('names a removed break-glass exclusion, a dropped role and an added condition', () => {
    const policy = asGraphReturnsIt();
    const users = policy.conditions?.users;
    policy.conditions = {
      ...policy.conditions,
      users: { ...users, excludeUsers: [], includeRoles: (users?.includeRoles ?? []).filter((r) => r.toLowerCase() !== ROLE.globalAdministrator) },
      locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] },
    };
    const drift = policyDrift(buildPolicyDraft(settings()), policy);
    assert.ok(drift.includes(`Excluded users: removed ${BREAK_GLASS.toLowerCase()}`), drift.join('\n'));
    assert.ok(drift.includes('Included directory roles: removed Global Administrator'), drift.join('\n'));
    assert.ok(drift.includes('Locations: now includeLocations All; excludeLocations AllTrusted'), drift.join('\n'));
  });

  it('names session controls someone added', () => {
    const policy = { ...asGraphReturnsIt(), sessionControls: { signInFrequency: { isEnabled: true, value: 1, type: 'hours' } } } as ConditionalAccessPolicy;
    assert.match(policyDrift(buildPolicyDraft(settings()), policy).join(' '), /^Session controls: now signInFrequency isEnabled true; value 1; type hours$/);
  });

  it('names another authentication strength', () => {
    const drift = policyDrift(buildPolicyDraft(settings({ authenticationStrengthId: PHISHING_RESISTANT })), asGraphReturnsIt({ strength: '00000000-0000-0000-0000-000000000002' }));
    assert.deepEqual(drift, [`Authentication strength: ${PHISHING_RESISTANT} became 00000000-0000-0000-0000-000000000002`]);
  });
});
