/**
 * PIM role settings in Graph (docs/graph-notes.md, "PIM"): the policy of every directory role with
 * its rules, one policy again just before a change, and the one call that changes a rule. Every
 * write MfaBot makes to PIM goes through `updateRule`, so the identity it runs with can be chosen
 * in one place.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { UnifiedRoleManagementPolicy, UnifiedRoleManagementPolicyAssignment } from '@microsoft/microsoft-graph-types';
import type { PimRolePolicy, PimRule } from '../domain/pim';
import { GraphFailure } from './errors';
import { followPages, graphGet, graphSend, type PageGetter } from './requests';

/**
 * Every directory role's policy with its rules, in one request
 * (learn.microsoft.com/graph/api/policyroot-list-rolemanagementpolicyassignments, example 2).
 */
export const PIM_SETTINGS_QUERY = "/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)";

const POLICIES = '/policies/roleManagementPolicies';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The rules of a policy as served, each kept whole (so it can be written back as it was). */
function rulesOf(policy: UnifiedRoleManagementPolicy | null | undefined): PimRule[] {
  const rules: unknown = policy?.rules;
  return Array.isArray(rules) ? rules.filter(isObject).map((r) => ({ ...r }) as PimRule) : [];
}

/** Reads every directory role's PIM settings through `get` (a plain GET, or an item of a sweep's `$batch`). */
export async function readPimSettings(get: PageGetter, baseUrl: string): Promise<PimRolePolicy[]> {
  const out: PimRolePolicy[] = [];
  await followPages<UnifiedRoleManagementPolicyAssignment>(get, baseUrl, PIM_SETTINGS_QUERY, (rows) => {
    for (const row of rows) {
      if (!row.roleDefinitionId || !row.policyId) continue;
      out.push({ roleId: row.roleDefinitionId.toLowerCase(), policyId: row.policyId, rules: rulesOf(row.policy) });
    }
  });
  return out;
}

/** The port the PIM change depends on; tests may pass a fake. */
export interface PimGateway {
  /** Every directory role's policy with its rules. */
  settings(): Promise<PimRolePolicy[]>;
  /** One policy's rules as they are now; null when the policy no longer exists. */
  policyRules(policyId: string): Promise<PimRule[] | null>;
  /**
   * Replaces one rule of a policy (the whole rule, as Graph's update takes it). The only write MfaBot
   * makes to PIM.
   */
  updateRule(policyId: string, rule: PimRule & { id: string }): Promise<void>;
}

export class GraphPimGateway implements PimGateway {
  constructor(private readonly opts: { client: Client; baseUrl: string }) {}

  settings(): Promise<PimRolePolicy[]> {
    return readPimSettings((path, o) => graphGet(this.opts.client, path, o), this.opts.baseUrl);
  }

  async policyRules(policyId: string): Promise<PimRule[] | null> {
    try {
      const policy = await graphGet<UnifiedRoleManagementPolicy>(this.opts.client, `${POLICIES}/${encodeURIComponent(policyId)}?$expand=rules`);
      return rulesOf(policy);
    } catch (err) {
      if (err instanceof GraphFailure && err.kind === 'notFound') return null;
      throw err;
    }
  }

  async updateRule(policyId: string, rule: PimRule & { id: string }): Promise<void> {
    await graphSend<unknown>(this.opts.client, 'PATCH', `${POLICIES}/${encodeURIComponent(policyId)}/rules/${encodeURIComponent(rule.id)}`, rule);
  }
}
