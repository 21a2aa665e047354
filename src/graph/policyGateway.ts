/**
 * What the policy feature reads from and writes to Graph: MfaBot's Conditional Access policy, the
 * directory objects it names (break-glass accounts, exclusion group, approvers), the facts that
 * decide whether a policy may be created, and the sign-in logs that show report-only impact.
 * Failures are GraphFailures (errors.ts): 403 names the permission, 5xx/timeouts say the outcome is unknown.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type {
  AuthenticationStrengthPolicy, ConditionalAccessPolicy, IdentitySecurityDefaultsEnforcementPolicy, SignIn, SubscribedSku,
} from '@microsoft/microsoft-graph-types';
import type { BreakGlassCheck } from '../domain/approval';
import { licenceFromSkus } from '../domain/licence';
import type { PolicyDraft } from '../domain/policyDraft';
import type { Licence } from '../domain/types';
import { GraphFailure } from './errors';
import { forEachPage, getAll, graphGet, graphSend } from './requests';

const POLICIES = '/identity/conditionalAccess/policies';
/** Enum members added after unknownFutureValue (platform linux, grant riskRemediation) come only when asked for. */
const LATE_ENUM_MEMBERS = { Prefer: 'include-unknown-enum-members' };

export interface NamedUser {
  id: string;
  displayName: string;
}

export interface StrengthInfo {
  id: string;
  displayName: string | null;
  requiresMfa: boolean;
}

/** The port the policy use cases depend on; tests may pass a fake. */
export interface PolicyGateway {
  listPolicies(): Promise<ConditionalAccessPolicy[]>;
  /** Null when the policy does not exist (404). */
  getPolicy(id: string): Promise<ConditionalAccessPolicy | null>;
  createPolicy(draft: PolicyDraft): Promise<ConditionalAccessPolicy>;
  setPolicyState(id: string, state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced'): Promise<void>;
  /** What a directory object id is: a user (with whether it is enabled), a group, a service principal, or nothing. */
  directoryObject(id: string): Promise<BreakGlassCheck>;
  groupName(id: string): Promise<string | null>;
  /** Display names of users by id; ids that cannot be read are left out. */
  userNames(ids: readonly string[]): Promise<NamedUser[]>;
  /** User members of a group, transitively (nested groups count). */
  groupUsers(groupId: string): Promise<NamedUser[]>;
  licence(): Promise<Licence>;
  securityDefaultsEnabled(): Promise<boolean | null>;
  authenticationStrengths(): Promise<StrengthInfo[]>;
  /**
   * Sign-ins to which the policy applied, newest first, since `since` (default: 30 days ago, the
   * logs' retention with Entra ID P1/P2), at most `maxPages` pages.
   */
  signInsForPolicy(policyId: string, opts?: { since?: Date; maxPages?: number }): Promise<SignIn[]>;
}

export interface GraphPolicyGatewayOptions {
  client: Client;
  /** Base URL the client was built with; nextLinks must stay on its origin. */
  baseUrl: string;
}

const quote = (value: string): string => value.replace(/'/g, "''");

/** How far back sign-ins are read when the policy's creation time is not known. */
const SIGN_IN_RETENTION_MS = 30 * 24 * 3_600_000;

export class GraphPolicyGateway implements PolicyGateway {
  /** v1.0 refused the applied-policy filter once: read the period and filter here from then on. */
  private policyFilterRefused = false;

  constructor(private readonly opts: GraphPolicyGatewayOptions) {}

  private get client(): Client {
    return this.opts.client;
  }

  listPolicies(): Promise<ConditionalAccessPolicy[]> {
    return getAll<ConditionalAccessPolicy>(this.client, this.opts.baseUrl, POLICIES, { headers: LATE_ENUM_MEMBERS });
  }

  async getPolicy(id: string): Promise<ConditionalAccessPolicy | null> {
    try {
      return await graphGet<ConditionalAccessPolicy>(this.client, `${POLICIES}/${encodeURIComponent(id)}`, { headers: LATE_ENUM_MEMBERS });
    } catch (err) {
      if (err instanceof GraphFailure && err.kind === 'notFound') return null;
      throw err;
    }
  }

  createPolicy(draft: PolicyDraft): Promise<ConditionalAccessPolicy> {
    return graphSend<ConditionalAccessPolicy>(this.client, 'POST', POLICIES, draft);
  }

  async setPolicyState(id: string, state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced'): Promise<void> {
    await graphSend<unknown>(this.client, 'PATCH', `${POLICIES}/${encodeURIComponent(id)}`, { state });
  }

  async directoryObject(id: string): Promise<BreakGlassCheck> {
    const enc = encodeURIComponent(id);
    try {
      const user = await graphGet<{ id: string; displayName?: string | null; userPrincipalName?: string | null; accountEnabled?: boolean | null }>(
        this.client, `/users/${enc}?$select=id,displayName,userPrincipalName,accountEnabled`);
      return {
        id,
        kind: 'user',
        displayName: user.displayName ?? null,
        userPrincipalName: user.userPrincipalName ?? null,
        accountEnabled: typeof user.accountEnabled === 'boolean' ? user.accountEnabled : null,
      };
    } catch (err) {
      if (!(err instanceof GraphFailure) || err.kind !== 'notFound') throw err;
    }
    // Not a user: say what it is instead, when MfaBot may read that (a wrong id pasted from a group is common).
    for (const [kind, path] of [['group', `/groups/${enc}`], ['servicePrincipal', `/servicePrincipals/${enc}`]] as const) {
      try {
        const obj = await graphGet<{ displayName?: string | null }>(this.client, `${path}?$select=id,displayName`);
        return { id, kind, displayName: obj.displayName ?? null, accountEnabled: null };
      } catch {
        // Unknown or unreadable: keep looking, then report it missing.
      }
    }
    return { id, kind: 'missing', displayName: null, accountEnabled: null };
  }

  async groupName(id: string): Promise<string | null> {
    try {
      const group = await graphGet<{ displayName?: string | null }>(this.client, `/groups/${encodeURIComponent(id)}?$select=id,displayName`);
      return group.displayName ?? null;
    } catch (err) {
      if (err instanceof GraphFailure) return null;
      throw err;
    }
  }

  async userNames(ids: readonly string[]): Promise<NamedUser[]> {
    const results = await Promise.all(ids.map(async (id) => {
      try {
        const u = await graphGet<{ id: string; displayName?: string | null; userPrincipalName?: string | null }>(
          this.client, `/users/${encodeURIComponent(id)}?$select=id,displayName,userPrincipalName`);
        return { id, displayName: u.displayName ?? u.userPrincipalName ?? id };
      } catch (err) {
        if (err instanceof GraphFailure) return null;
        throw err;
      }
    }));
    return results.filter((r): r is NamedUser => r !== null);
  }

  async groupUsers(groupId: string): Promise<NamedUser[]> {
    const path = `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id,displayName&$top=999&$count=true`;
    const rows = await getAll<{ id?: string; displayName?: string | null }>(this.client, this.opts.baseUrl, path, { headers: { ConsistencyLevel: 'eventual' } });
    return rows.flatMap((r) => (r.id ? [{ id: r.id.toLowerCase(), displayName: r.displayName ?? r.id }] : []));
  }

  async licence(): Promise<Licence> {
    return licenceFromSkus(await getAll<SubscribedSku>(this.client, this.opts.baseUrl, '/subscribedSkus'));
  }

  async securityDefaultsEnabled(): Promise<boolean | null> {
    const policy = await graphGet<IdentitySecurityDefaultsEnforcementPolicy>(this.client, '/policies/identitySecurityDefaultsEnforcementPolicy?$select=isEnabled');
    return typeof policy.isEnabled === 'boolean' ? policy.isEnabled : null;
  }

  async authenticationStrengths(): Promise<StrengthInfo[]> {
    const rows = await getAll<AuthenticationStrengthPolicy>(this.client, this.opts.baseUrl, '/policies/authenticationStrengthPolicies');
    return rows.flatMap((s) => (s.id ? [{ id: s.id.toLowerCase(), displayName: s.displayName ?? null, requiresMfa: s.requirementsSatisfied === 'mfa' }] : []));
  }

  /**
   * Filtering sign-ins by the policies applied to them (`appliedConditionalAccessPolicies/any(…)`)
   * is documented for beta only (learn.microsoft.com/graph/api/signin-list): when v1.0 refuses it,
   * the sign-ins of the same period are read and filtered here, and the refusal is remembered.
   */
  async signInsForPolicy(policyId: string, opts: { since?: Date; maxPages?: number } = {}): Promise<SignIn[]> {
    const since = (opts.since ?? new Date(Date.now() - SIGN_IN_RETENTION_MS)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const maxPages = opts.maxPages ?? 5;
    // Without it Graph reports the report-only results as unknownFutureValue.
    const headers = { Prefer: 'include-unknown-enum-members' };
    const bounded = `createdDateTime ge ${since}`;
    if (!this.policyFilterRefused) {
      const out: SignIn[] = [];
      try {
        await forEachPage<SignIn>(this.client, this.opts.baseUrl,
          `/auditLogs/signIns?$filter=appliedConditionalAccessPolicies/any(p:p/id eq '${quote(policyId)}') and ${bounded}`,
          (items) => out.push(...items), { headers, maxPages });
        return out;
      } catch (err) {
        if (!(err instanceof GraphFailure) || err.kind !== 'badRequest') throw err;
        this.policyFilterRefused = true;
      }
    }
    const out: SignIn[] = [];
    const applied = (s: SignIn) => (s.appliedConditionalAccessPolicies ?? []).some((p) => p.id?.toLowerCase() === policyId.toLowerCase());
    await forEachPage<SignIn>(this.client, this.opts.baseUrl, `/auditLogs/signIns?$filter=${bounded}&$top=1000`,
      (items) => out.push(...items.filter(applied)), { headers, maxPages });
    return out;
  }
}
