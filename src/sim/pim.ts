/**
 * PIM role settings as a tenant has them without saying so: one policy per directory role, its
 * rules as Microsoft's example of a tenant's settings lists them
 * (learn.microsoft.com/graph/api/policyroot-list-rolemanagementpolicyassignments, example 2), with
 * activation asking for a justification only. Microsoft's pages list the rules, not the values a new
 * tenant starts with; a fixture sets the ones it cares about (`roleManagementPolicies`).
 */
import { createHash } from 'node:crypto';
import type { FixturePimAssignment, FixturePimPolicy, FixturePimRule, TenantFixture } from './fixture';

type Caller = 'Admin' | 'EndUser';
type Level = 'Eligibility' | 'Assignment';

const target = (caller: Caller, level: Level) => ({ caller, operations: ['all'], level, inheritableSettings: [], enforcedSettings: [] });

const TYPE = {
  approval: '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
  context: '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule',
  enablement: '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
  expiration: '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
  notification: '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule',
} as const;

function notifications(scope: 'Admin_Eligibility' | 'Admin_Assignment' | 'EndUser_Assignment', caller: Caller, level: Level): FixturePimRule[] {
  return (['Admin', 'Requestor', 'Approver'] as const).map((recipientType) => ({
    '@odata.type': TYPE.notification, id: `Notification_${recipientType}_${scope}`, notificationType: 'Email', recipientType,
    notificationLevel: 'All', isDefaultRecipientsEnabled: true, notificationRecipients: [], target: target(caller, level),
  }));
}

/** The rules of a role's policy before anyone changes them. */
export function defaultPimRules(): FixturePimRule[] {
  return [
    { '@odata.type': TYPE.expiration, id: 'Expiration_Admin_Eligibility', isExpirationRequired: false, maximumDuration: 'P365D', target: target('Admin', 'Eligibility') },
    { '@odata.type': TYPE.enablement, id: 'Enablement_Admin_Eligibility', enabledRules: [], target: target('Admin', 'Eligibility') },
    ...notifications('Admin_Eligibility', 'Admin', 'Eligibility'),
    { '@odata.type': TYPE.expiration, id: 'Expiration_Admin_Assignment', isExpirationRequired: false, maximumDuration: 'P180D', target: target('Admin', 'Assignment') },
    { '@odata.type': TYPE.enablement, id: 'Enablement_Admin_Assignment', enabledRules: ['Justification'], target: target('Admin', 'Assignment') },
    ...notifications('Admin_Assignment', 'Admin', 'Assignment'),
    { '@odata.type': TYPE.expiration, id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration: 'PT8H', target: target('EndUser', 'Assignment') },
    { '@odata.type': TYPE.enablement, id: 'Enablement_EndUser_Assignment', enabledRules: ['Justification'], target: target('EndUser', 'Assignment') },
    {
      '@odata.type': TYPE.approval, id: 'Approval_EndUser_Assignment', target: target('EndUser', 'Assignment'),
      setting: {
        isApprovalRequired: false, isApprovalRequiredForExtension: false, isRequestorJustificationRequired: true, approvalMode: 'SingleStage',
        approvalStages: [{
          approvalStageTimeOutInDays: 1, isApproverJustificationRequired: true, escalationTimeInMinutes: 0, isEscalationEnabled: false,
          primaryApprovers: [], escalationApprovers: [],
        }],
      },
    },
    { '@odata.type': TYPE.context, id: 'AuthenticationContext_EndUser_Assignment', isEnabled: false, claimValue: null, target: target('EndUser', 'Assignment') },
    ...notifications('EndUser_Assignment', 'EndUser', 'Assignment'),
  ];
}

/** A stable GUID-shaped id derived from `seed`, as Graph's policy ids end with one. */
function guidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Graph's policy id shape: `DirectoryRole_{tenant id}_{guid}`. */
export function defaultPolicyId(tenantId: string, roleId: string): string {
  return `DirectoryRole_${tenantId}_${guidFrom(`pim:${roleId.toLowerCase()}`)}`;
}

function defaultPolicy(id: string): FixturePimPolicy {
  return {
    id, displayName: 'DirectoryRole', description: 'DirectoryRole', isOrganizationDefault: false, scopeId: '/', scopeType: 'DirectoryRole',
    lastModifiedDateTime: null, lastModifiedBy: { displayName: null, id: null }, rules: defaultPimRules(),
  };
}

/** A fixture's rules over the defaults: the ones it lists replace the default of the same id, in place. */
function withDefaultRules(rules: readonly FixturePimRule[]): FixturePimRule[] {
  const given = new Map(rules.map((r) => [r.id.toLowerCase(), r]));
  const defaults = defaultPimRules();
  const known = new Set(defaults.map((r) => r.id.toLowerCase()));
  return [...defaults.map((r) => given.get(r.id.toLowerCase()) ?? r), ...rules.filter((r) => !known.has(r.id.toLowerCase()))];
}

/**
 * Fills in a tenant's PIM settings, in place: every role definition gets a policy (the fixture's, or
 * a default one), and every policy every rule (the fixture's, or the default).
 */
export function withPimDefaults(tenant: TenantFixture): void {
  const tenantId = tenant.organization.id;
  const policies: FixturePimPolicy[] = (tenant.roleManagementPolicies ?? []).map((p) => ({ ...p, rules: withDefaultRules(p.rules) }));
  const assignments: FixturePimAssignment[] = (tenant.roleManagementPolicyAssignments ?? []).map((a) => ({ ...a, id: a.id ?? `${a.policyId}_${a.roleDefinitionId}` }));
  const assigned = new Set(assignments.map((a) => a.roleDefinitionId.toLowerCase()));
  const byId = new Set(policies.map((p) => p.id.toLowerCase()));
  for (const role of tenant.roleDefinitions) {
    if (assigned.has(role.id.toLowerCase())) continue;
    const policyId = defaultPolicyId(tenantId, role.id);
    if (!byId.has(policyId.toLowerCase())) {
      policies.push(defaultPolicy(policyId));
      byId.add(policyId.toLowerCase());
    }
    assignments.push({ id: `${policyId}_${role.id}`, policyId, roleDefinitionId: role.id, scopeId: '/', scopeType: 'DirectoryRole' });
  }
  tenant.roleManagementPolicies = policies;
  tenant.roleManagementPolicyAssignments = assignments;
}
