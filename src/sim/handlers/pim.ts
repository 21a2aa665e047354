/**
 * PIM role settings: the policy assigned to each directory role, with its rules
 * (learn.microsoft.com/graph/api/policyroot-list-rolemanagementpolicyassignments), one policy, and
 * the update of one rule (learn.microsoft.com/graph/api/unifiedrolemanagementpolicyrule-update).
 * Every route needs Entra ID P2 (or Governance): 400 AadPremiumLicenseRequired otherwise.
 */
import { badRequest, GraphError, resourceNotFound } from '../errors';
import type { FixturePimAssignment, FixturePimPolicy, FixturePimRule } from '../fixture';
import { fields } from '../odata/filter';
import { PERMISSION } from '../permissions';
import { ROLE } from '../../domain/roles';
import type { DelegatedRequirement, HandlerContext, Route } from '../router';
import { isRecord, type JsonObject } from '../util';

/**
 * The rule update with a user's own token: RoleManagementPolicy.ReadWrite.Directory (or the wider
 * RoleManagement.ReadWrite.Directory) and Privileged Role Administrator or Global Administrator held
 * actively (learn.microsoft.com/graph/api/unifiedrolemanagementpolicyrule-update).
 */
const DELEGATED_RULE_WRITE: DelegatedRequirement = {
  scopes: [['RoleManagementPolicy.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory']],
  roles: [ROLE.privilegedRoleAdministrator, ROLE.globalAdministrator],
};

const ASSIGNMENTS = '/policies/roleManagementPolicyAssignments';
const POLICIES = '/policies/roleManagementPolicies';

/** What each rule type may carry besides `@odata.type`, `id` and `target` (the rule resources' properties). */
const RULE_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  '#microsoft.graph.unifiedrolemanagementpolicyapprovalrule': ['setting'],
  '#microsoft.graph.unifiedrolemanagementpolicyauthenticationcontextrule': ['isEnabled', 'claimValue'],
  '#microsoft.graph.unifiedrolemanagementpolicyenablementrule': ['enabledRules'],
  '#microsoft.graph.unifiedrolemanagementpolicyexpirationrule': ['isExpirationRequired', 'maximumDuration'],
  '#microsoft.graph.unifiedrolemanagementpolicynotificationrule': ['notificationType', 'recipientType', 'notificationLevel', 'isDefaultRecipientsEnabled', 'notificationRecipients'],
};

/** What each enablement rule accepts (learn.microsoft.com/graph/identity-governance-pim-rules-overview). */
const ENABLEMENT_VALUES: Readonly<Record<string, readonly string[]>> = {
  enablement_enduser_assignment: ['MultiFactorAuthentication', 'Justification', 'Ticketing'],
  enablement_admin_assignment: ['MultiFactorAuthentication', 'Justification'],
  enablement_admin_eligibility: ['MultiFactorAuthentication', 'Justification'],
};

const lower = (s: string): string => s.toLowerCase();

function policyOf(ctx: HandlerContext, id: string): FixturePimPolicy {
  const policy = (ctx.sim.state.tenant.roleManagementPolicies ?? []).find((p) => lower(p.id) === lower(id));
  if (!policy) throw resourceNotFound(id);
  return policy;
}

/** A rule as served: annotations inside the target (sent on writes) are not stored. */
function ruleView(rule: FixturePimRule): JsonObject {
  return { ...rule };
}

function policyView(policy: FixturePimPolicy, withRules: boolean): JsonObject {
  const { rules, ...rest } = policy;
  return withRules ? { ...rest, rules: rules.map(ruleView) } : { ...rest };
}

/** `$expand` on the assignments: `policy`, optionally with its rules; Graph's nested form, nothing else. */
function expandOf(ctx: HandlerContext): { policy: boolean; rules: boolean } {
  const raw = new URLSearchParams(ctx.req.rawQuery).get('$expand');
  if (raw === null) return { policy: false, rules: false };
  const value = raw.replace(/\s+/g, '').toLowerCase();
  if (value === 'policy') return { policy: true, rules: false };
  if (value === 'policy($expand=rules)') return { policy: true, rules: true };
  throw badRequest(`Parsing OData Select and Expand failed: the expansion '${raw}' is not supported on 'microsoft.graph.unifiedRoleManagementPolicyAssignment'.`);
}

/**
 * The list requires a filter on the scope (scopeId and scopeType); directory roles are scoped to
 * `/` (scopeType Directory or DirectoryRole). Other scopes (PIM for groups) hold nothing here.
 */
function requireScope(ctx: HandlerContext): void {
  const filter = ctx.query.filter ?? '';
  if (!/\bscopeId\s+eq\s+'/i.test(filter) || !/\bscopeType\s+eq\s+'/i.test(filter)) {
    throw badRequest("The filter must include scopeId and scopeType, e.g. scopeId eq '/' and scopeType eq 'DirectoryRole'.", 'InvalidFilter');
  }
}

function assignmentView(ctx: HandlerContext, a: FixturePimAssignment, expand: { policy: boolean; rules: boolean }): JsonObject {
  const view: JsonObject = { id: a.id ?? `${a.policyId}_${a.roleDefinitionId}`, policyId: a.policyId, scopeId: a.scopeId, scopeType: a.scopeType, roleDefinitionId: a.roleDefinitionId };
  if (expand.policy) view.policy = policyView(policyOf(ctx, a.policyId), expand.rules);
  return view;
}

/** Keeps a target as Graph stores it: no annotations, operations as Graph spells them. */
function storedTarget(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('@')) continue;
    out[k] = k === 'operations' && Array.isArray(v) ? v.map((o) => (typeof o === 'string' ? o.toLowerCase() : o)) : v;
  }
  return out;
}

/**
 * Validates an update of `current` as Graph does: the rule's own `@odata.type`, its id, only its
 * type's properties, a target that still names the same caller and level, and enablement values
 * Graph knows. The admin center offers MFA and an authentication context on activation as
 * alternatives: requiring both is refused.
 */
function validateRuleUpdate(body: JsonObject, current: FixturePimRule, policy: FixturePimPolicy): void {
  const type = body['@odata.type'];
  if (typeof type !== 'string') throw badRequest("The request body must include '@odata.type' with the rule's type.");
  if (lower(type) !== lower(current['@odata.type'])) throw badRequest(`The rule '${current.id}' is of type '${current['@odata.type']}', not '${type}'.`);
  if (body.id !== undefined && (typeof body.id !== 'string' || lower(body.id) !== lower(current.id))) throw badRequest(`The id in the body does not match the rule '${current.id}'.`);
  const allowed = new Set(['@odata.type', 'id', 'target', ...(RULE_PROPERTIES[lower(type)] ?? [])]);
  for (const key of Object.keys(body)) {
    if (!allowed.has(key) && !key.includes('@')) throw badRequest(`The property '${key}' does not exist on type '${type.replace(/^#/, '')}'.`);
  }
  if (!isRecord(body.target)) throw badRequest('The rule must include its target.');
  const stored = current.target ?? {};
  for (const key of ['caller', 'level'] as const) {
    const sent = body.target[key];
    if (typeof sent !== 'string' || lower(sent) !== lower(String(stored[key] ?? ''))) throw badRequest(`The target's ${key} of rule '${current.id}' cannot be changed.`);
  }
  if ('enabledRules' in body) {
    const values = body.enabledRules;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw badRequest("'enabledRules' must be a collection of strings.");
    const known = ENABLEMENT_VALUES[lower(current.id)] ?? [];
    const bad = (values as string[]).filter((v) => !known.includes(v));
    if (bad.length > 0) throw badRequest(`The rule '${current.id}' does not support ${bad.map((b) => `'${b}'`).join(', ')}.`, 'InvalidPolicyRule');
    if (new Set(values).size !== values.length) throw badRequest("'enabledRules' lists a rule twice.", 'InvalidPolicyRule');
    const context = policy.rules.find((r) => lower(r.id) === 'authenticationcontext_enduser_assignment');
    if (lower(current.id) === 'enablement_enduser_assignment' && values.includes('MultiFactorAuthentication') && context?.isEnabled === true) {
      throw badRequest('Multifactor authentication and an authentication context cannot both be required on activation.', 'InvalidPolicyRule');
    }
  }
  if ('isEnabled' in body && typeof body.isEnabled !== 'boolean') throw badRequest("'isEnabled' must be a boolean.");
}

export const pimRoutes: Route[] = [
  {
    method: 'GET', path: ASSIGNMENTS, permissions: [PERMISSION.roleManagementPolicyAssignments], licence: 'pim',
    options: ['$filter', '$expand', '$select', '$skiptoken'],
    handle: (ctx) => {
      requireScope(ctx);
      const expand = expandOf(ctx);
      return ctx.page(ctx.sim.state.tenant.roleManagementPolicyAssignments ?? [], {
        context: 'policies/roleManagementPolicyAssignments', maxTop: 100,
        filter: { ...fields('string', ['eq'], 'scopeId', 'scopeType', 'roleDefinitionId', 'policyId', 'id') },
        // Directory roles are served whether the filter says Directory or DirectoryRole.
        resolve: (a, p) => (p === 'scopeType' ? (/'Directory'/i.test(ctx.query.filter ?? '') ? 'Directory' : 'DirectoryRole') : (a as Record<string, unknown>)[p]),
        project: (a) => assignmentView(ctx, a, expand),
        keepOnSelect: ['policy'],
      });
    },
  },
  {
    method: 'GET', path: `${POLICIES}/{id}`, permissions: [PERMISSION.roleManagementPolicy], licence: 'pim', options: ['$select', '$expand'],
    handle: (ctx) => {
      const names = (ctx.query.expand ?? []).map(lower);
      if (names.some((n) => n !== 'rules')) throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${names.find((n) => n !== 'rules') ?? ''}' on type 'microsoft.graph.unifiedRoleManagementPolicy'.`);
      return ctx.entity('policies/roleManagementPolicies', policyView(policyOf(ctx, ctx.params.id ?? ''), names.includes('rules')), ['rules']);
    },
  },
  {
    method: 'PATCH', path: `${POLICIES}/{policyId}/rules/{ruleId}`, permissions: [PERMISSION.roleManagementPolicyRuleWrite], licence: 'pim',
    delegated: DELEGATED_RULE_WRITE,
    handle: (ctx) => {
      // What Graph does to an application token under the delegated-only reading; a user's token is checked by its scope and role.
      if (ctx.req.caller?.kind !== 'user' && ctx.sim.graphFaults.has('pim-write-app-403')) {
        ctx.sim.graphFaults.fired('pim-write-app-403');
        throw new GraphError(403, 'Authorization_RequestDenied', 'The application does not have permission to update role management policy rules: a signed-in user with the required role must make this change.');
      }
      const policy = policyOf(ctx, ctx.params.policyId ?? '');
      const ruleId = ctx.params.ruleId ?? '';
      const index = policy.rules.findIndex((r) => lower(r.id) === lower(ruleId));
      const current = policy.rules[index];
      if (!current) throw new GraphError(404, 'ResourceNotFound', `The rule '${ruleId}' does not exist in policy '${policy.id}'.`);
      if (!isRecord(ctx.req.body)) throw badRequest('The request body must be a JSON object.');
      const body = ctx.req.body;
      validateRuleUpdate(body, current, policy);
      const { '@odata.type': _type, id: _id, target, ...properties } = body;
      policy.rules[index] = { ...current, ...properties, target: storedTarget(target as JsonObject) } as FixturePimRule;
      policy.lastModifiedDateTime = ctx.sim.now().toISOString();
      return { status: 204 };
    },
  },
];
