/**
 * The tenant gateway: everything MfaBot reads from (and later writes to) Entra ID, behind one small
 * interface so the bot, the CLI and the tests share the same code path.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type {
  AuthenticationStrengthPolicy, ConditionalAccessPolicy, IdentitySecurityDefaultsEnforcementPolicy, Organization,
  SecureScore, SecureScoreControlProfile, SubscribedSku, UnifiedRoleAssignment, UnifiedRoleEligibilityScheduleInstance,
  UserRegistrationDetails,
} from '@microsoft/microsoft-graph-types';
import type { Caveat } from '../domain/types';
import type { DirectoryUser, RoleGrant, TenantFacts } from '../domain/facts';
import { licenceFromSkus, secureScoreFromGraph } from '../domain/licence';
import { trace } from '../log';
import { GraphFailure } from './errors';
import { batchGet, forEachPage, getAll, graphGet } from './requests';
import { toPrincipalRef, toDirectoryUser, type ExpandedPrincipal } from './mapping';

export interface ReadTenantOptions {
  roleIds: readonly string[];
}

/** What the bot and CLI need from a tenant. */
export interface TenantGateway {
  /** Reads every fact the status report needs; partial failures come back as caveats. */
  readTenant(opts: ReadTenantOptions): Promise<TenantFacts>;
}

export interface GraphTenantGatewayOptions {
  client: Client;
  /** The same base URL the client was built with; nextLinks must stay on its origin. */
  baseUrl: string;
  /** Tenant id expected (from config); used when the organization cannot be read. */
  tenantId?: string | null;
  batchSleep?: (ms: number) => Promise<void>;
}

const GROUP_MEMBER_SELECT = 'id,userPrincipalName,displayName,accountEnabled';
const ADMIN_MFA_CONTROLS = ['AdminMFAV2', 'AdminMFA'];

type Optional<T> = { ok: true; value: T } | { ok: false; failure: GraphFailure };

async function optional<T>(work: Promise<T>): Promise<Optional<T>> {
  try {
    return { ok: true, value: await work };
  } catch (err) {
    if (err instanceof GraphFailure) return { ok: false, failure: err };
    throw err;
  }
}

function caveat(area: Caveat['area'], prefix: string, failure: GraphFailure): Caveat {
  return { area, message: `${prefix} ${failure.message}`, missing: failure.details.missing };
}

export class GraphTenantGateway implements TenantGateway {
  constructor(private readonly opts: GraphTenantGatewayOptions) {}

  private get client(): Client {
    return this.opts.client;
  }

  async readTenant({ roleIds }: ReadTenantOptions): Promise<TenantFacts> {
    const counter = { count: 0 };
    const parent = trace.getStore();
    return trace.run({ ...parent, graphRequests: counter }, async () => {
      const facts = await this.read(roleIds);
      if (parent?.graphRequests) parent.graphRequests.count += counter.count;
      return { ...facts, graphRequests: counter.count };
    });
  }

  private async read(roleIds: readonly string[]): Promise<TenantFacts> {
    const inScope = new Set(roleIds.map((r) => r.toLowerCase()));
    const caveats: Caveat[] = [];

    const [org, active, eligible, policies, strengths, defaults, skus, score, adminRegs] = await Promise.all([
      optional(graphGet<{ value: Organization[] }>(this.client, '/organization?$select=id,displayName')),
      this.activeAssignments(roleIds),
      optional(this.eligibleAssignments()),
      optional(getAll<ConditionalAccessPolicy>(this.client, this.opts.baseUrl, '/identity/conditionalAccess/policies')),
      optional(getAll<AuthenticationStrengthPolicy>(this.client, this.opts.baseUrl, '/policies/authenticationStrengthPolicies')),
      optional(graphGet<IdentitySecurityDefaultsEnforcementPolicy>(this.client, '/policies/identitySecurityDefaultsEnforcementPolicy?$select=isEnabled')),
      optional(getAll<SubscribedSku>(this.client, this.opts.baseUrl, '/subscribedSkus')),
      optional(this.secureScore()),
      optional(this.registrationsOfAdmins()),
    ]);

    const grants: RoleGrant[] = active.filter((g) => inScope.has(g.roleId));
    if (eligible.ok) {
      grants.push(...eligible.value.filter((g) => inScope.has(g.roleId)));
    } else if (eligible.failure.kind === 'licence') {
      caveats.push({
        area: 'pim',
        message: 'PIM is not available (the tenant has no Entra ID P2 or Governance licence), so only active admins are listed.',
        missing: eligible.failure.details.missing,
      });
    } else {
      caveats.push(caveat('pim', 'PIM-eligible admins could not be read, so admins who are only eligible are missing:', eligible.failure));
    }

    const groupIds = [...new Set(grants.filter((g) => g.principal.kind === 'group').map((g) => g.principal.id))];
    const groupMembers: Record<string, DirectoryUser[]> = {};
    const memberResults = await Promise.all(groupIds.map(async (id) => [id, await optional(this.groupUsers(id))] as const));
    for (const [id, res] of memberResults) {
      if (res.ok) groupMembers[id] = res.value;
      else caveats.push(caveat('groups', `Members of role-assignable group ${id} could not be read, so admins through it are missing:`, res.failure));
    }

    const registrations: Record<string, boolean> = {};
    const adminIds = new Set<string>();
    for (const g of grants) {
      if (g.principal.kind === 'user') adminIds.add(g.principal.id);
      if (g.principal.kind === 'group') for (const m of groupMembers[g.principal.id] ?? []) adminIds.add(m.id);
    }
    if (adminRegs.ok) {
      for (const row of adminRegs.value) if (row.id && typeof row.isMfaRegistered === 'boolean') registrations[row.id] = row.isMfaRegistered;
      // The isAdmin filter is not documented to include eligible or group-based admins: look the rest up one by one.
      const missing = [...adminIds].filter((id) => !(id in registrations));
      const lookups = await optional(this.registrationsOf(missing));
      if (lookups.ok) Object.assign(registrations, lookups.value);
      else caveats.push(caveat('registration', 'MFA registration of some admins could not be read; they show as unknown.', lookups.failure));
    } else {
      caveats.push(caveat('registration', 'MFA registration could not be read, so every admin shows as unknown.', adminRegs.failure));
    }

    if (!policies.ok) caveats.push(caveat('policies', 'Conditional Access policies could not be read, so no role can be shown as enforced.', policies.failure));
    if (!defaults.ok) caveats.push(caveat('securityDefaults', 'Security defaults could not be read.', defaults.failure));
    if (!skus.ok) caveats.push(caveat('licence', 'The licence could not be read.', skus.failure));
    if (!score.ok) caveats.push(caveat('secureScore', 'Secure Score could not be read.', score.failure));

    const organization = org.ok ? org.value.value[0] : undefined;
    const tenantId = organization?.id ?? this.opts.tenantId ?? 'unknown';
    return {
      tenantId,
      tenantName: organization?.displayName ?? null,
      grants,
      groupMembers,
      registrations,
      policies: policies.ok ? policies.value : [],
      mfaStrengthIds: strengths.ok
        ? strengths.value.filter((s) => s.id && s.requirementsSatisfied === 'mfa').map((s) => s.id as string)
        : [],
      securityDefaultsEnabled: defaults.ok ? defaults.value.isEnabled ?? null : null,
      licence: skus.ok ? licenceFromSkus(skus.value) : null,
      secureScore: score.ok ? score.value : null,
      roleNames: {},
      caveats,
      graphRequests: 0,
      readAt: new Date().toISOString(),
    };
  }

  /** Active assignments of the roles in scope, with their principals, in one filtered query. */
  private async activeAssignments(roleIds: readonly string[]): Promise<RoleGrant[]> {
    const list = roleIds.map((id) => `'${id}'`).join(',');
    const path = `/roleManagement/directory/roleAssignments?$filter=roleDefinitionId in (${list})&$expand=principal`;
    const rows = await getAll<UnifiedRoleAssignment & { principal?: ExpandedPrincipal }>(this.client, this.opts.baseUrl, path);
    return rows.flatMap((r) => (r.roleDefinitionId && r.principalId
      ? [{ roleId: r.roleDefinitionId.toLowerCase(), activation: 'active' as const, principal: toPrincipalRef(r.principalId, r.principal), directoryScopeId: r.directoryScopeId ?? '/' }]
      : []));
  }

  /** PIM eligibility in force now. Graph filters it only by eq/ne, so one unfiltered read is fewer round trips than one per role. */
  private async eligibleAssignments(): Promise<RoleGrant[]> {
    const path = '/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal';
    const rows = await getAll<UnifiedRoleEligibilityScheduleInstance & { principal?: ExpandedPrincipal }>(this.client, this.opts.baseUrl, path);
    return rows.flatMap((r) => (r.roleDefinitionId && r.principalId
      ? [{ roleId: r.roleDefinitionId.toLowerCase(), activation: 'eligible' as const, principal: toPrincipalRef(r.principalId, r.principal), directoryScopeId: r.directoryScopeId ?? '/' }]
      : []));
  }

  private async groupUsers(groupId: string): Promise<DirectoryUser[]> {
    const path = `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=${GROUP_MEMBER_SELECT}&$top=999&$count=true`;
    const rows = await getAll<Parameters<typeof toDirectoryUser>[0]>(this.client, this.opts.baseUrl, path, { headers: { ConsistencyLevel: 'eventual' } });
    return rows.flatMap((u) => {
      const user = toDirectoryUser(u);
      return user ? [user] : [];
    });
  }

  private async registrationsOfAdmins(): Promise<UserRegistrationDetails[]> {
    const out: UserRegistrationDetails[] = [];
    await forEachPage<UserRegistrationDetails>(
      this.client,
      this.opts.baseUrl,
      '/reports/authenticationMethods/userRegistrationDetails?$filter=isAdmin eq true&$select=id,isMfaRegistered&$top=999',
      (items) => out.push(...items),
    );
    return out;
  }

  /** Per-user registration rows through $batch; a 404 means no row, which stays unknown. */
  private async registrationsOf(userIds: readonly string[]): Promise<Record<string, boolean>> {
    const urls = userIds.map((id) => `/reports/authenticationMethods/userRegistrationDetails/${encodeURIComponent(id)}`);
    const results = await batchGet<UserRegistrationDetails>(this.client, urls, { sleep: this.opts.batchSleep });
    const out: Record<string, boolean> = {};
    userIds.forEach((id, i) => {
      const r = results.get(urls[i] as string);
      if (!r) return;
      if (r.body && typeof r.body.isMfaRegistered === 'boolean') out[id] = r.body.isMfaRegistered;
      else if (r.failure && r.failure.kind !== 'notFound') throw r.failure;
    });
    return out;
  }

  private async secureScore() {
    const [scores, profile] = await Promise.all([
      graphGet<{ value: SecureScore[] }>(this.client, '/security/secureScores?$top=1'),
      optional(this.adminMfaProfile()),
    ]);
    return secureScoreFromGraph(scores.value ?? [], profile.ok ? profile.value?.maxScore ?? null : null);
  }

  private async adminMfaProfile(): Promise<SecureScoreControlProfile | null> {
    for (const id of ADMIN_MFA_CONTROLS) {
      try {
        return await graphGet<SecureScoreControlProfile>(this.client, `/security/secureScoreControlProfiles/${id}`);
      } catch (err) {
        if (!(err instanceof GraphFailure) || err.kind !== 'notFound') throw err;
      }
    }
    return null;
  }
}
