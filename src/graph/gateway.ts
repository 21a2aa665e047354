/**
 * The tenant gateway: everything MfaBot reads from (and later writes to) Entra ID, behind one small
 * interface so the bot, the CLI and the tests share the same code path.
 *
 * One status read is a sweep in few round trips (see `readTenant`): independent reads leave
 * together, small ones bundled into `$batch`; each page starts at once whatever it makes possible
 * (a group's members, a registration look-up), so the sweep lasts as long as its longest chain of
 * dependent requests, not the sum of them.
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
import { GraphBatcher, asPage, followPages, getAll, graphGet, relativeNextLink, type GraphPage } from './requests';
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
  /** Waits for Retry-After of items throttled inside a `$batch` (tests make it instant). */
  batchSleep?: (ms: number) => Promise<void>;
}

const ASSIGNMENTS = '/roleManagement/directory/roleAssignments';
const ELIGIBILITY = '/roleManagement/directory/roleEligibilityScheduleInstances';
const REGISTRATIONS = '/reports/authenticationMethods/userRegistrationDetails';
const GROUP_MEMBER_SELECT = 'id,userPrincipalName,displayName,accountEnabled';
const ADMIN_MFA_CONTROLS = ['AdminMFAV2', 'AdminMFA'];
/**
 * Once this many active assignments have been read and more remain, the rest is read as one query
 * per role, in parallel. Below it one chain of pages is cheaper (one request per page instead of a
 * batch item per role); above it the chain's length, not the number of requests, is what costs.
 */
export const FAN_OUT_AFTER_ASSIGNMENTS = 100;

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

type AssignmentRow = UnifiedRoleAssignment & { principal?: ExpandedPrincipal };
type EligibilityRow = UnifiedRoleEligibilityScheduleInstance & { principal?: ExpandedPrincipal };

function toGrant(row: AssignmentRow | EligibilityRow, activation: RoleGrant['activation']): RoleGrant | null {
  if (!row.roleDefinitionId || !row.principalId) return null;
  return {
    roleId: row.roleDefinitionId.toLowerCase(),
    activation,
    principal: toPrincipalRef(row.principalId, row.principal),
    directoryScopeId: row.directoryScopeId ?? '/',
  };
}

/**
 * The work that grants make possible, started as soon as each page arrives: members of each
 * role-assignable group, then a registration look-up for every admin the isAdmin-filtered report
 * did not list. Everything it starts settles (never rejects); `settle()` waits for all of it.
 */
class AdminFollowUp {
  readonly registrations: Record<string, boolean> = {};
  readonly groupMembers: Record<string, DirectoryUser[]> = {};
  readonly groupFailures = new Map<string, GraphFailure>();
  lookupFailure: GraphFailure | null = null;

  private readonly adminIds = new Set<string>();
  private readonly groups = new Set<string>();
  private readonly lookedUp = new Set<string>();
  /** False until the isAdmin-filtered report is complete: only then is "not listed" known. */
  private listComplete = false;
  private readonly tasks = new Set<Promise<void>>();
  /** An error that is not a Graph failure (a bug), rethrown by settle(). */
  private unexpected: unknown = null;

  constructor(
    private readonly inScope: ReadonlySet<string>,
    private readonly readGroup: (groupId: string) => Promise<DirectoryUser[]>,
    private readonly lookUp: (userId: string) => Promise<boolean | null>,
  ) {}

  grants(grants: readonly RoleGrant[]): void {
    for (const g of grants) {
      if (!this.inScope.has(g.roleId)) continue;
      if (g.principal.kind === 'user') this.admin(g.principal.id);
      else if (g.principal.kind === 'group') this.group(g.principal.id);
    }
  }

  /** The isAdmin-filtered rows, complete: admins seen so far and later that it lacks are looked up. */
  listed(rows: readonly UserRegistrationDetails[]): void {
    for (const row of rows) {
      if (row.id && typeof row.isMfaRegistered === 'boolean') this.registrations[row.id.toLowerCase()] = row.isMfaRegistered;
    }
    this.listComplete = true;
    for (const id of this.adminIds) this.lookUpIfUnlisted(id);
  }

  /** Waits until every group read and look-up started so far, and any they started, has settled. */
  async settle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    if (this.unexpected !== null) throw this.unexpected;
  }

  private admin(id: string): void {
    if (this.adminIds.has(id)) return;
    this.adminIds.add(id);
    if (this.listComplete) this.lookUpIfUnlisted(id);
  }

  private group(id: string): void {
    if (this.groups.has(id)) return;
    this.groups.add(id);
    this.spawn(async () => {
      const members = await optional(this.readGroup(id));
      if (!members.ok) {
        this.groupFailures.set(id, members.failure);
        return;
      }
      this.groupMembers[id] = members.value;
      for (const m of members.value) this.admin(m.id);
    });
  }

  private lookUpIfUnlisted(id: string): void {
    if (id in this.registrations || this.lookedUp.has(id)) return;
    this.lookedUp.add(id);
    this.spawn(async () => {
      const row = await optional(this.lookUp(id));
      if (row.ok && row.value !== null) this.registrations[id] = row.value;
      else if (!row.ok) this.lookupFailure ??= row.failure;
    });
  }

  private spawn(work: () => Promise<void>): void {
    const task: Promise<void> = work()
      .catch((err: unknown) => {
        this.unexpected ??= err;
      })
      .finally(() => this.tasks.delete(task));
    this.tasks.add(task);
  }
}

export class GraphTenantGateway implements TenantGateway {
  constructor(private readonly opts: GraphTenantGatewayOptions) {}

  private get client(): Client {
    return this.opts.client;
  }

  /**
   * Reads the tenant in one sweep. At 100k users and 2k admins that is under 30 Graph requests
   * (some 350 calls, nearly all inside `$batch`) in 6–7 sequential round trips; the floor is set
   * by data dependencies:
   * 1. role assignments (their pages, in parallel per role once the tenant proves large), then
   * 2. members of the role-assignable groups found in them, then
   * 3. registration rows of admins the isAdmin-filtered report left out (20 per `$batch`).
   * Everything else (organization, licences, security defaults, Secure Score, authentication
   * strengths, CA policies, PIM eligibility, the isAdmin-filtered report) runs alongside.
   */
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
    const batch = new GraphBatcher(this.client, { sleep: this.opts.batchSleep });
    const followUp = new AdminFollowUp(inScope, (id) => this.groupUsers(batch, id), (id) => this.registrationOf(batch, id));

    // Conditional Access policies are the largest bodies and the role-assignment chain is the
    // critical path: each travels on its own so neither waits for the slowest item of a batch
    // (the registration report is the slow one in real tenants).
    const [active, policies, org, defaults, skus, strengths, score, eligible, adminRegs] = await Promise.all([
      settled(this.activeAssignments(roleIds, batch, (g) => followUp.grants(g))),
      optional(getAll<ConditionalAccessPolicy>(this.client, this.opts.baseUrl, '/identity/conditionalAccess/policies')),
      optional(batch.get<unknown>('/organization?$select=id,displayName').then((b) => asPage<Organization>(b, '/organization'))),
      optional(batch.get<IdentitySecurityDefaultsEnforcementPolicy>('/policies/identitySecurityDefaultsEnforcementPolicy?$select=isEnabled')),
      optional(this.collect<SubscribedSku>(batch, '/subscribedSkus')),
      optional(this.collect<AuthenticationStrengthPolicy>(batch, '/policies/authenticationStrengthPolicies')),
      optional(this.secureScore(batch)),
      optional(this.eligibleAssignments(batch, (g) => followUp.grants(g))),
      optional(this.registrationsOfAdmins(batch).then((rows) => {
        followUp.listed(rows);
        return rows;
      })),
    ]);
    if (!active.ok) throw active.error;
    await followUp.settle();

    const grants: RoleGrant[] = active.value.filter((g) => inScope.has(g.roleId));
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

    const groupMembers: Record<string, DirectoryUser[]> = {};
    for (const id of new Set(grants.filter((g) => g.principal.kind === 'group').map((g) => g.principal.id))) {
      const members = followUp.groupMembers[id];
      const failure = followUp.groupFailures.get(id);
      if (members) groupMembers[id] = members;
      else if (failure) caveats.push(caveat('groups', `Members of role-assignable group ${id} could not be read, so admins through it are missing:`, failure));
    }

    if (adminRegs.ok) {
      if (followUp.lookupFailure) {
        caveats.push(caveat('registration', 'MFA registration of some admins could not be read; they show as unknown.', followUp.lookupFailure));
      }
    } else {
      caveats.push(caveat('registration', 'MFA registration could not be read, so every admin shows as unknown.', adminRegs.failure));
    }

    if (!policies.ok) caveats.push(caveat('policies', 'Conditional Access policies could not be read, so no role can be shown as enforced.', policies.failure));
    if (!defaults.ok) caveats.push(caveat('securityDefaults', 'Security defaults could not be read.', defaults.failure));
    if (!skus.ok) caveats.push(caveat('licence', 'The licence could not be read.', skus.failure));
    if (!score.ok) caveats.push(caveat('secureScore', 'Secure Score could not be read.', score.failure));

    const organization = org.ok ? org.value.value?.[0] : undefined;
    const tenantId = organization?.id ?? this.opts.tenantId ?? 'unknown';
    return {
      tenantId,
      tenantName: organization?.displayName ?? null,
      grants,
      groupMembers,
      registrations: adminRegs.ok ? followUp.registrations : {},
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

  private async collect<T>(batch: GraphBatcher, path: string): Promise<T[]> {
    const out: T[] = [];
    await followPages<T>(batch.getter, this.opts.baseUrl, path, (items) => out.push(...items));
    return out;
  }

  /**
   * Active assignments of the roles in scope, with their principals. A small tenant is one filtered
   * query (`roleDefinitionId in (…)`), its pages in a chain. Graph pages role assignments by 100
   * at most here, so a large tenant's chain would be long: once FAN_OUT_AFTER_ASSIGNMENTS rows have
   * come back and more remain, the rows are read again as one query per role, whose pages run in
   * parallel and travel together in `$batch`. Rows are keyed by assignment id, so nothing counts twice.
   */
  private async activeAssignments(roleIds: readonly string[], batch: GraphBatcher, onGrants: (g: RoleGrant[]) => void): Promise<RoleGrant[]> {
    const byId = new Map<string, RoleGrant>();
    const take = (rows: AssignmentRow[]): void => {
      const fresh: RoleGrant[] = [];
      for (const row of rows) {
        const grant = toGrant(row, 'active');
        if (!grant) continue;
        const key = row.id ?? `${grant.roleId}|${grant.principal.id}|${grant.directoryScopeId}`;
        if (!byId.has(key)) fresh.push(grant);
        byId.set(key, grant);
      }
      onGrants(fresh);
    };
    const expand = '$expand=principal';
    const list = roleIds.map((id) => `'${id}'`).join(',');
    let next: string | undefined = `${ASSIGNMENTS}?$filter=roleDefinitionId in (${list})&${expand}`;
    while (next) {
      const page: GraphPage<AssignmentRow> = asPage<AssignmentRow>(await graphGet<unknown>(this.client, next), next);
      take(page.value);
      const link = page['@odata.nextLink'];
      next = link ? relativeNextLink(link, this.opts.baseUrl) : undefined;
      if (next && byId.size >= FAN_OUT_AFTER_ASSIGNMENTS && roleIds.length > 1) {
        await Promise.all(roleIds.map((id) => followPages<AssignmentRow>(
          batch.getter, this.opts.baseUrl, `${ASSIGNMENTS}?$filter=roleDefinitionId eq '${id}'&${expand}`, take,
        )));
        break;
      }
    }
    return [...byId.values()];
  }

  /** PIM eligibility in force now. Graph filters it only by eq/ne, so one unfiltered read is fewer round trips than one per role. */
  private async eligibleAssignments(batch: GraphBatcher, onGrants: (g: RoleGrant[]) => void): Promise<RoleGrant[]> {
    const out: RoleGrant[] = [];
    await followPages<EligibilityRow>(batch.getter, this.opts.baseUrl, `${ELIGIBILITY}?$expand=principal`, (rows) => {
      const grants = rows.flatMap((r) => {
        const g = toGrant(r, 'eligible');
        return g ? [g] : [];
      });
      out.push(...grants);
      onGrants(grants);
    });
    return out;
  }

  private async groupUsers(batch: GraphBatcher, groupId: string): Promise<DirectoryUser[]> {
    const path = `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=${GROUP_MEMBER_SELECT}&$top=999&$count=true`;
    const out: DirectoryUser[] = [];
    await followPages<Parameters<typeof toDirectoryUser>[0]>(batch.getter, this.opts.baseUrl, path, (rows) => {
      for (const u of rows) {
        const user = toDirectoryUser(u);
        if (user) out.push(user);
      }
    }, { headers: { ConsistencyLevel: 'eventual' } });
    return out;
  }

  /**
   * Registration rows of the users the report marks as admins, two fields each. `isAdmin eq true`
   * and `$select` on this report are unconfirmed (facts §1; the CLI for Microsoft 365 sends the
   * filter); whoever it leaves out is looked up one by one, so a narrower isAdmin costs requests,
   * never correctness. Paging the whole report instead would be one request per 999 users.
   */
  private async registrationsOfAdmins(batch: GraphBatcher): Promise<UserRegistrationDetails[]> {
    const out: UserRegistrationDetails[] = [];
    await followPages<UserRegistrationDetails>(batch.getter, this.opts.baseUrl,
      `${REGISTRATIONS}?$filter=isAdmin eq true&$select=id,isMfaRegistered&$top=999`, (rows) => {
        for (const r of rows) out.push({ id: r.id, isMfaRegistered: r.isMfaRegistered });
      });
    return out;
  }

  /** One user's registration row (coalesced into `$batch`); null when the report has none (404). */
  private async registrationOf(batch: GraphBatcher, userId: string): Promise<boolean | null> {
    try {
      const row = await batch.get<UserRegistrationDetails>(`${REGISTRATIONS}/${encodeURIComponent(userId)}`);
      return typeof row.isMfaRegistered === 'boolean' ? row.isMfaRegistered : null;
    } catch (err) {
      if (err instanceof GraphFailure && err.kind === 'notFound') return null;
      throw err;
    }
  }

  private async secureScore(batch: GraphBatcher) {
    const [scores, profile] = await Promise.all([
      batch.get<unknown>('/security/secureScores?$top=1').then((b) => asPage<SecureScore>(b, '/security/secureScores')),
      optional(this.adminMfaProfile(batch)),
    ]);
    return secureScoreFromGraph(scores.value, profile.ok ? profile.value?.maxScore ?? null : null);
  }

  private async adminMfaProfile(batch: GraphBatcher): Promise<SecureScoreControlProfile | null> {
    for (const id of ADMIN_MFA_CONTROLS) {
      try {
        return await batch.get<SecureScoreControlProfile>(`/security/secureScoreControlProfiles/${id}`);
      } catch (err) {
        if (!(err instanceof GraphFailure) || err.kind !== 'notFound') throw err;
      }
    }
    return null;
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Lets a required read fail without leaving the reads beside it unobserved. */
async function settled<T>(work: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return { ok: false, error };
  }
}
