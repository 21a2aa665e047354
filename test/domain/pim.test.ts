import assert from 'node:assert/strict';
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { activationRuleWithMfa, fixableRoleIds, judgePimActivation, type PimRolePolicy, type PimRule } from '../../src/domain/pim';
import { mfaRegisteredFromMethods } from '../../src/domain/methods';
import { ROLE } from '../../src/domain/roles';

const target = { caller: 'EndUser', operations: ['all'], level: 'Assignment', inheritableSettings: [], enforcedSettings: [] };
const activation = (enabledRules: string[]): PimRule => ({
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment', enabledRules, target,
});
const context = (claimValue: string | null, isEnabled = true): PimRule => ({
  '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule', id: 'AuthenticationContext_EndUser_Assignment', isEnabled, claimValue, target,
});
const settings = (roleId: string, ...rules: PimRule[]): PimRolePolicy => ({ roleId, policyId: `DirectoryRole_t_${roleId}`, rules });

function contextPolicy(claim: string, overrides: Partial<ConditionalAccessPolicy> = {}, users: Record<string, unknown> = { includeUsers: ['All'] }): ConditionalAccessPolicy {
  return {
    id: `ca-${claim}-${overrides.state ?? 'enabled'}`, displayName: `Context ${claim}`, state: 'enabled',
    conditions: { clientAppTypes: ['all'], applications: { includeAuthenticationContextClassReferences: [claim] }, users } as ConditionalAccessPolicy['conditions'],
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    ...overrides,
  };
}

const judge = (rules: PimRule[], policies: ConditionalAccessPolicy[] = [], ctx = {}) =>
  judgePimActivation([ROLE.globalAdministrator], [settings(ROLE.globalAdministrator, ...rules)], policies, ctx)[0];

describe('PIM activation: does activating a role demand MFA', () => {
  it('Azure MFA in the activation rule: yes, by mfa', () => {
    const v = judge([activation(['Justification', 'MultiFactorAuthentication'])]);
    assert.equal(v?.requiresMfa, true);
    assert.equal(v?.how, 'mfa');
    assert.equal(v?.fixable, false);
  });

  it('an authentication context an enabled MFA policy protects: yes, by authenticationContext', () => {
    const v = judge([activation(['Justification']), context('c1')], [contextPolicy('c1')]);
    assert.deepEqual([v?.requiresMfa, v?.how], [true, 'authenticationContext']);
    assert.deepEqual(v?.authenticationContext, { claimValue: 'c1', protectedBy: ['ca-c1-enabled'] });
    assert.match(v?.reason ?? '', /"Context c1" protects/);
  });

  it('a context whose policy is report-only, off, missing, grants without MFA or targets only roles: no, and MfaBot does not offer MFA on top', () => {
    const cases: [string, ConditionalAccessPolicy[], RegExp][] = [
      ['report-only', [contextPolicy('c1', { state: 'enabledForReportingButNotEnforced' })], /is report-only/],
      ['off', [contextPolicy('c1', { state: 'disabled' })], /is off/],
      ['missing', [], /no Conditional Access policy targets it/],
      ['another context', [contextPolicy('c9')], /no Conditional Access policy targets it/],
      ['compliant device or MFA', [contextPolicy('c1', { grantControls: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] } })], /does not demand MFA/],
      ['role-targeted', [contextPolicy('c1', {}, { includeRoles: [ROLE.globalAdministrator] })], /does not demand MFA/],
    ];
    for (const [name, policies, reason] of cases) {
      const v = judge([activation(['Justification']), context('c1')], policies);
      assert.deepEqual([v?.requiresMfa, v?.how, v?.fixable], [false, null, false], name);
      assert.match(v?.reason ?? '', reason, name);
    }
  });

  it('an MFA authentication strength counts as MFA for the context\'s policy', () => {
    const strength = contextPolicy('c1', { grantControls: { operator: 'OR', builtInControls: [], authenticationStrength: { id: 'custom-strength' } } });
    assert.equal(judge([activation([]), context('c1')], [strength])?.requiresMfa, false, 'unknown strength');
    assert.equal(judge([activation([]), context('c1')], [strength], { mfaStrengthIds: ['custom-strength'] })?.requiresMfa, true);
  });

  it('a disabled context rule is no requirement: only Justification is asked, so MfaBot can add MFA', () => {
    const v = judge([activation(['Justification']), context('c1', false)], [contextPolicy('c1')]);
    assert.deepEqual([v?.requiresMfa, v?.how, v?.fixable], [false, null, true]);
    assert.match(v?.reason ?? '', /asks only for Justification, not MFA/);
  });

  it('unknown for every role when the settings cannot be read, and for a role without settings', () => {
    const none = judgePimActivation([ROLE.globalAdministrator, ROLE.userAdministrator], null, [], {}, 'the tenant has no Entra ID P2');
    assert.deepEqual(none.map((v) => [v.requiresMfa, v.how, v.reason]), [[null, null, 'the tenant has no Entra ID P2'], [null, null, 'the tenant has no Entra ID P2']]);
    const partial = judgePimActivation([ROLE.globalAdministrator, ROLE.userAdministrator], [settings(ROLE.globalAdministrator, activation([]))], []);
    assert.deepEqual(partial.map((v) => v.requiresMfa), [false, null]);
    assert.deepEqual(fixableRoleIds(partial), [ROLE.globalAdministrator]);
  });

  it('writes back the whole rule: its type, id and target as read, MFA added once to what was there', () => {
    const rule = { ...activation(['Justification', 'Ticketing']), extra: 'kept out' };
    assert.deepEqual(activationRuleWithMfa(rule), {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule', id: 'Enablement_EndUser_Assignment',
      enabledRules: ['Justification', 'Ticketing', 'MultiFactorAuthentication'], target,
    });
    assert.deepEqual(activationRuleWithMfa(activation(['MultiFactorAuthentication'])).enabledRules, ['MultiFactorAuthentication']);
  });
});

describe('MFA registration from authentication methods', () => {
  const m = (...types: string[]) => types.map((t) => ({ '@odata.type': `#microsoft.graph.${t}AuthenticationMethod` }));
  it('any method but a password and an email address is a second factor', () => {
    assert.equal(mfaRegisteredFromMethods(m('password')), false);
    assert.equal(mfaRegisteredFromMethods(m('password', 'email')), false);
    assert.equal(mfaRegisteredFromMethods([]), false);
    for (const kind of ['microsoftAuthenticator', 'phone', 'fido2', 'softwareOath', 'windowsHelloForBusiness', 'temporaryAccessPass', 'platformCredential', 'someFutureKind']) {
      assert.equal(mfaRegisteredFromMethods(m('password', kind)), true, kind);
    }
    assert.equal(mfaRegisteredFromMethods([{ '@odata.type': '#microsoft.graph.PasswordAuthenticationMethod' }]), false, 'letter case');
    assert.equal(mfaRegisteredFromMethods([{}, { '@odata.type': 42 }]), false, 'an item without a type says nothing');
  });
});
