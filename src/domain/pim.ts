/**
 * Does activating an admin role in PIM demand MFA? Conditional Access sees a role only while it is
 * active, so for an eligible admin the activation is the moment that counts. PIM's role settings
 * (learn.microsoft.com/graph/api/resources/unifiedrolemanagementpolicy) demand MFA at activation in
 * one of two ways, which the Entra admin center offers as alternatives:
 * - `Enablement_EndUser_Assignment` lists `MultiFactorAuthentication` among its `enabledRules`;
 * - `AuthenticationContext_EndUser_Assignment` is enabled with a claim value, and an enabled
 *   Conditional Access policy that cannot be satisfied without MFA targets that authentication
 *   context (learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-change-default-settings).
 *   A report-only, disabled or missing policy demands nothing.
 *
 * Pure: the rules as Graph returns them, the tenant's Conditional Access policies and the
 * authentication strengths known to require MFA in; one verdict per role in scope out.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { policyName, protectsByGrant } from './policyRegion';
import { conditionObject } from './signInSpace';

/** The activation rule: what an eligible admin must provide to activate. */
export const ACTIVATION_RULE_ID = 'Enablement_EndUser_Assignment';
/** The Conditional Access authentication context required on activation. */
export const AUTH_CONTEXT_RULE_ID = 'AuthenticationContext_EndUser_Assignment';
export const MFA_RULE = 'MultiFactorAuthentication';
export const ENABLEMENT_RULE_TYPE = '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule';

/**
 * A rule as Graph serves it (polymorphic by `@odata.type`): only the properties read here are named,
 * the rest is kept so a rule can be written back whole.
 */
export interface PimRule {
  '@odata.type'?: string;
  id?: string | null;
  enabledRules?: string[] | null;
  isEnabled?: boolean | null;
  claimValue?: string | null;
  target?: Record<string, unknown> | null;
  [property: string]: unknown;
}

/** One role's PIM settings: the policy assigned to the role and its rules. */
export interface PimRolePolicy {
  roleId: string;
  policyId: string;
  rules: PimRule[];
}

export type PimHow = 'mfa' | 'authenticationContext';

/** Whether activating one role demands MFA, how, and whether MfaBot can make it. */
export interface PimActivationVerdict {
  roleId: string;
  /** null: the settings could not be read. */
  requiresMfa: boolean | null;
  how: PimHow | null;
  policyId: string | null;
  /** What the activation rule asks for now (Justification, Ticketing, …); empty when unread. */
  enabledRules: string[];
  /** The authentication context required on activation, when one is, and the policies that protect it. */
  authenticationContext: { claimValue: string; protectedBy: string[] } | null;
  /**
   * MfaBot can add MFA to the activation rule: the rule was read, lacks MFA, and no authentication
   * context is required instead (the admin center treats the two as alternatives, so a context that
   * its policy does not protect is fixed in Conditional Access, not here).
   */
  fixable: boolean;
  /** The verdict in words, after the role's name. */
  reason: string;
}

/** What the verdict needs to know about authentication strengths (as coverage does). */
export interface PimJudgeContext {
  mfaStrengthIds?: readonly string[];
}

const lower = (s: string): string => s.toLowerCase();
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The rule of `policy` with `id` (Graph's rule ids compare without letter case). */
export function ruleOf(policy: Pick<PimRolePolicy, 'rules'>, id: string): PimRule | undefined {
  return policy.rules.find((r) => typeof r.id === 'string' && lower(r.id) === lower(id));
}

/** Whether an activation rule already demands Azure MFA. */
export function demandsMfa(rule: PimRule | undefined): boolean {
  return strings(rule?.enabledRules).some((r) => lower(r) === lower(MFA_RULE));
}

/**
 * Whether a policy stands behind an authentication context: it is enabled, its grant cannot be met
 * without MFA (coverage's "protects"), it targets the context, and it can apply at activation. During
 * activation the admin does not hold the role yet, so a policy that targets users only by role
 * applies to nobody then (Microsoft's role settings guidance says so).
 */
function protectsContext(policy: ConditionalAccessPolicy, claimValue: string, ctx: { mfaStrengthIds: ReadonlySet<string> }): boolean {
  if (!protectsByGrant(policy, { mfaStrengthIds: ctx.mfaStrengthIds, strengths: new Map() })) return false;
  const conditions = conditionObject(policy.conditions);
  const apps = conditionObject(conditions?.applications);
  if (!strings(apps?.includeAuthenticationContextClassReferences).some((c) => lower(c) === lower(claimValue))) return false;
  const users = conditionObject(conditions?.users);
  const includeUsers = strings(users?.includeUsers).map(lower);
  if (includeUsers.includes('none')) return false;
  const guests = users?.includeGuestsOrExternalUsers;
  return includeUsers.length > 0 || strings(users?.includeGroups).length > 0 || (guests !== undefined && guests !== null);
}

/** Role ids whose verdicts say MfaBot can require MFA on activation (the ones to offer, and to change). */
export function fixableRoleIds(verdicts: readonly PimActivationVerdict[]): string[] {
  return verdicts.filter((v) => v.fixable).map((v) => v.roleId);
}

/**
 * The verdict per role in scope, in `roleIds` order. `settings` null means PIM's settings could not
 * be read at all (no Entra ID P2, or no permission): every role is then unknown, with `unreadable`
 * as the reason.
 */
export function judgePimActivation(
  roleIds: readonly string[],
  settings: readonly PimRolePolicy[] | null,
  caPolicies: readonly ConditionalAccessPolicy[],
  ctx: PimJudgeContext = {},
  unreadable = 'PIM settings could not be read',
): PimActivationVerdict[] {
  const unknown = (roleId: string, reason: string, policyId: string | null = null): PimActivationVerdict => ({
    roleId, requiresMfa: null, how: null, policyId, enabledRules: [], authenticationContext: null, fixable: false, reason,
  });
  if (settings === null) return roleIds.map((id) => unknown(id, unreadable));
  const byRole = new Map(settings.map((s) => [lower(s.roleId), s]));
  const mfaStrengthIds = new Set((ctx.mfaStrengthIds ?? []).map(lower));
  return roleIds.map((roleId) => {
    const policy = byRole.get(lower(roleId));
    if (!policy) return unknown(roleId, 'no PIM settings were found for this role');
    const activation = ruleOf(policy, ACTIVATION_RULE_ID);
    const context = ruleOf(policy, AUTH_CONTEXT_RULE_ID);
    const enabledRules = strings(activation?.enabledRules);
    const claimValue = context?.isEnabled === true && typeof context.claimValue === 'string' && context.claimValue !== '' ? context.claimValue : null;
    const protectedBy = claimValue
      ? caPolicies.filter((p) => protectsContext(p, claimValue, { mfaStrengthIds })).map((p) => p.id ?? '').filter((id) => id !== '')
      : [];
    const base = { roleId, policyId: policy.policyId, enabledRules, authenticationContext: claimValue ? { claimValue, protectedBy } : null };
    if (demandsMfa(activation)) {
      return { ...base, requiresMfa: true, how: 'mfa', fixable: false, reason: 'activation requires Azure MFA' };
    }
    if (claimValue && protectedBy.length > 0) {
      const names = caPolicies.filter((p) => p.id && protectedBy.includes(p.id)).map((p) => `"${policyName(p)}"`);
      return { ...base, requiresMfa: true, how: 'authenticationContext', fixable: false, reason: `activation requires authentication context ${claimValue}, which ${names.join(' and ')} ${names.length === 1 ? 'protects' : 'protect'} with MFA` };
    }
    if (claimValue) {
      return { ...base, requiresMfa: false, how: null, fixable: false, reason: contextGap(claimValue, caPolicies) };
    }
    if (!activation) return unknown(roleId, `the role's PIM settings have no ${ACTIVATION_RULE_ID} rule`, policy.policyId);
    return {
      ...base, requiresMfa: false, how: null, fixable: true,
      reason: enabledRules.length > 0 ? `activation asks only for ${enabledRules.join(' and ')}, not MFA` : 'activation asks for nothing, not even MFA',
    };
  });
}

/** Why a required authentication context demands no MFA: no policy targets it, or the ones that do fall short. */
function contextGap(claimValue: string, caPolicies: readonly ConditionalAccessPolicy[]): string {
  const targeting = caPolicies.filter((p) => strings(conditionObject(conditionObject(p.conditions)?.applications)?.includeAuthenticationContextClassReferences)
    .some((c) => lower(c) === lower(claimValue)));
  if (targeting.length === 0) return `activation requires authentication context ${claimValue}, but no Conditional Access policy targets it`;
  const why = targeting.map((p) => {
    const state = p.state === 'enabledForReportingButNotEnforced' ? 'is report-only' : p.state === 'disabled' ? 'is off' : p.state !== 'enabled' ? `is ${String(p.state ?? 'in an unknown state')}` : null;
    return `"${policyName(p)}" ${state ?? 'does not demand MFA of everyone activating'}`;
  });
  return `activation requires authentication context ${claimValue}, but ${why.join('; ')}`;
}

/**
 * The activation rule as MfaBot writes it back: the whole rule (`@odata.type`, `id`, `target` as
 * read) with `MultiFactorAuthentication` added to what it already enabled (Justification, Ticketing).
 */
export function activationRuleWithMfa(rule: PimRule): { '@odata.type': string; id: string; enabledRules: string[]; target: Record<string, unknown> | null } {
  const enabled = strings(rule.enabledRules);
  return {
    '@odata.type': typeof rule['@odata.type'] === 'string' ? rule['@odata.type'] : ENABLEMENT_RULE_TYPE,
    id: typeof rule.id === 'string' ? rule.id : ACTIVATION_RULE_ID,
    enabledRules: demandsMfa(rule) ? enabled : [...enabled, MFA_RULE],
    target: rule.target ?? null,
  };
}
