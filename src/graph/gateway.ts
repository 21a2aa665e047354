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
  AuthenticationStrengthPolicy, ConditionalAccessPolicy, CountryNamedLocation, IdentitySecurityDefaultsEnforcementPolicy, IpNamedLocation,
  Organization, SecureScore, SecureScoreControlProfile, SubscribedSku, UnifiedRoleAssignment, UnifiedRoleEligibilityScheduleInstance,
  UserRegistrationDetails,
} from '@microsoft/microsoft-graph-types';
import { groupsToRead, type GroupsToRead } from '../domain/coverage';
import type { NamedLocationInput } from '../domain/signInSpace';
import type { Caveat } from '../domain/types';
import type { DirectoryUser, GroupMembership, MembershipReads, RegistrationSource, RoleGrant, TenantFacts } from '../domain/facts';
import { licenceFromSkus, secureScoreFromGraph } from '../domain/licence';
import { mfaRegisteredFromMethods } from '../domain/methods';
import { trace } from '../log';
import { GraphFailure } from './errors';
import { GraphBatcher, asPage, followPages, getAll, graphGet, relativeNextLink, type GraphPage } from './requests';
import { toPrincipalRef, toDirectoryUser, type ExpandedPrincipal } from './mapping';
import { readPimSettings } from './pimGateway';
import { REGISTRATIONS, RegistrationLookup } from './registrations';

export interface ReadTenantOptions {
  roleIds: readonly string[];
  /**
   * Declared break-glass ids (users or groups) and exclusion groups. The members of those that are
   * groups are read, so the report can tell who is left out on purpose.
   */
  breakGlassIds?: readonly string[];
  exclusionGroupIds?: readonly string[];
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
  /** Pages of members (999 each) read per group a Conditional Access policy names (default MEMBER_PAGES_PER_GROUP). */
  memberPagesPerGroup?: number;
  /** Groups named by policies or declarations whose members are read per sweep (default MEMBERSHIP_GROUPS). */
  membershipGroups?: number;
}

const ASSIGNMENTS = '/roleManagement/directory/roleAssignments';
const ELIGIBILITY = '/roleManagement/directory/roleEligibilityScheduleInstances';
/** Asks Graph for enum members added after unknownFutureValue (learn.microsoft.com/graph/best-practices-concept). */
export const INCLUDE_UNKNOWN_ENUM_MEMBERS = 'include-unknown-enum-members';

function isNonPremiumAnswer(err: GraphFailure): boolean {
  return err.details.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';
}
const GROUP_MEMBER_SELECT = 'id,userPrincipalName,displayName,accountEnabled,userType';
const NAMED_LOCATIONS = '/identity/conditionalAccess/namedLocations';
/**
 * Members of a group a Conditional Access policy names are read up to this many pages of 999: a group
 * of all staff in a large tenant would otherwise cost hundreds of requests per status. Beyond it the
 * group's membership is incomplete, and the coverage verdict never counts on it.
 */
export const MEMBER_PAGES_PER_GROUP = 5;
/** At most this many such groups are read per sweep (5 `$batch` requests of 20); the rest stay unknown. */
export const MEMBERSHIP_GROUPS = 100;
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
 * role-assignable group, then the registration of every admin the isAdmin-filtered report did not
 * list (RegistrationLookup). Everything it starts settles (never rejects); `settle()` waits for all of it.
 */
class AdminFollowUp {
  readonly groupMembers: Record<string, DirectoryUser[]> = {};
  readonly groupFailures = new Map<string, GraphFailure>();
  /** Admins Graph returned without their names (no user-read permission): shown by object id. */
  readonly unnamed = new Set<string>();

  private readonly adminIds = new Set<string>();
  private readonly groups = new Set<string>();
  private readonly listedRows: Record<string, boolean> = {};
  /** False until the isAdmin-filtered report is complete: only then is "not listed" known. */
  private listComplete = false;
  private readonly tasks = new Set<Promise<void>>();
  /** An error that is not a Graph failure (a bug), rethrown by settle(). */
  private unexpected: unknown = null;

  constructor(
    private readonly inScope: ReadonlySet<string>,
    private readonly readGroup: (groupId: string) => Promise<DirectoryUser[]>,
    private readonly lookup: RegistrationLookup,
  ) {}

  /** Registration rows read: the listed ones and those looked up. */
  get registrations(): Record<string, boolean> {
    return { ...this.lookup.rows, ...this.listedRows };
  }

  get lookupFailure(): GraphFailure | null {
    return this.lookup.failure;
  }

  grants(grants: readonly RoleGrant[]): void {
    for (const g of grants) {
      if (!this.inScope.has(g.roleId)) continue;
      if (g.principal.kind === 'user') {
        if (!g.principal.userPrincipalName) this.unnamed.add(g.principal.id);
        this.admin(g.principal.id);
      } else if (g.principal.kind === 'group') this.group(g.principal.id);
    }
  }

  /**
   * The isAdmin-filtered rows, complete (empty when Graph refused the filter): admins seen so far
   * and later that it lacks are looked up.
   */
  listed(rows: readonly UserRegistrationDetails[]): void {
    for (const row of rows) {
      if (row.id && typeof row.isMfaRegistered === 'boolean') this.listedRows[row.id.toLowerCase()] = row.isMfaRegistered;
    }
    this.listComplete = true;
    this.lookup.request([...this.adminIds].filter((id) => !(id in this.listedRows)));
  }

  /** Waits until every group read and look-up started so far, and any they started, has settled. */
  async settle(): Promise<void> {
    for (;;) {
      while (this.tasks.size > 0) await Promise.all([...this.tasks]);
      await this.lookup.settle();
      if (this.tasks.size === 0) break;
    }
    if (this.unexpected !== null) throw this.unexpected;
  }

  private admin(id: string): void {
    if (this.adminIds.has(id)) return;
    this.adminIds.add(id);
    if (this.listComplete && !(id in this.listedRows)) this.lookup.request([id]);
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
      for (const m of members.value) {
        if (m.userPrincipalName === m.id) this.unnamed.add(m.id);
        this.admin(m.id);
      }
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
   * strengths, CA policies, PIM eligibility and role settings, the isAdmin-filtered report) runs alongside.
   */
  async readTenant(opts: ReadTenantOptions): Promise<TenantFacts> {
    const counter = { count: 0 };
    const parent = trace.getStore();
    return trace.run({ ...parent, graphRequests: counter }, async () => {
      const facts = await this.read(opts);
      if (parent?.graphRequests) parent.graphRequests.count += counter.count;
      return { ...facts, graphRequests: counter.count };
    });
  }

  private async read(opts: ReadTenantOptions): Promise<TenantFacts> {
    const { roleIds } = opts;
    const inScope = new Set(roleIds.map((r) => r.toLowerCase()));
    const caveats: Caveat[] = [];
    const batch = new GraphBatcher(this.client, { sleep: this.opts.batchSleep });
    const followUp = new AdminFollowUp(inScope, (id) => this.groupUsers(batch, id), new RegistrationLookup(batch.getter, this.opts.baseUrl));
    const skusRead = optional(this.collect<SubscribedSku>(batch, '/subscribedSkus'));
    // Without the Prefer header Graph hides enum members added after unknownFutureValue (linux, riskRemediation).
    const policiesRead = optional(getAll<ConditionalAccessPolicy>(this.client, this.opts.baseUrl, '/identity/conditionalAccess/policies', { headers: { Prefer: INCLUDE_UNKNOWN_ENUM_MEMBERS } }));
    const strengthsRead = optional(this.collect<AuthenticationStrengthPolicy>(batch, '/policies/authenticationStrengthPolicies'));
    // The groups that can change a verdict are known once the policies (and what their strengths
    // require) are: their members are read alongside the role-assignment chain.
    const membershipRead = Promise.all([policiesRead, strengthsRead]).then(([p, st]) => this.memberships(batch, groupsToRead(p.ok ? p.value : [], {
      breakGlassIds: opts.breakGlassIds, exclusionGroupIds: opts.exclusionGroupIds, authenticationStrengths: st.ok ? st.value : undefined,
    })));

    // Conditional Access policies are the largest bodies and the role-assignment chain is the
    // critical path: each travels on its own so neither waits for the slowest item of a batch
    // (the registration report is the slow one in real tenants).
    const [active, policies, org, defaults, skus, strengths, score, eligible, adminRegs, named, membership, pim] = await Promise.all([
      settled(this.activeAssignments(roleIds, batch, (g) => followUp.grants(g))),
      policiesRead,
      optional(batch.get<unknown>('/organization?$select=id,displayName').then((b) => asPage<Organization>(b, '/organization'))),
      optional(batch.get<IdentitySecurityDefaultsEnforcementPolicy>('/policies/identitySecurityDefaultsEnforcementPolicy?$select=isEnabled')),
      skusRead,
      strengthsRead,
      optional(this.secureScore(batch)),
      optional(this.eligibleAssignments(batch, (g) => followUp.grants(g))),
      optional(this.registrationsOfAdmins(batch, skusRead).then((rows) => {
        followUp.listed(rows);
        return rows;
      })),
      optional(this.collect<IpNamedLocation | CountryNamedLocation>(batch, NAMED_LOCATIONS)),
      membershipRead,
      optional(readPimSettings(batch.getter, this.opts.baseUrl)),
    ]);
    if (!active.ok) throw active.error;
    await followUp.settle();

    const grants: RoleGrant[] = active.value.filter((g) => inScope.has(g.roleId));
    if (eligible.ok) {
      grants.push(...eligible.value.filter((g) => inScope.has(g.roleId)));
    } else if (eligible.failure.kind === 'licence') {
      const settingsToo = !pim.ok && pim.failure.kind === 'licence';
      caveats.push({
        area: 'pim',
        message: `PIM is not available (the tenant has no Entra ID P2 or Governance licence), so only active admins are listed${settingsToo ? ' and PIM role settings are not read' : ''}.`,
        missing: eligible.failure.details.missing,
      });
    } else {
      caveats.push(caveat('pim', 'PIM-eligible admins could not be read, so admins who are only eligible are missing:', eligible.failure));
    }
    const pimUnreadable = pim.ok ? undefined : pim.failure.kind === 'licence' ? 'the tenant has no Entra ID P2 or Governance licence' : pim.failure.message;
    if (!pim.ok && !(pim.failure.kind === 'licence' && !eligible.ok && eligible.failure.kind === 'licence')) {
      caveats.push(caveat('pim', 'PIM role settings could not be read, so whether activating an admin role demands MFA is unknown:', pim.failure));
    }

    const groupMembers: Record<string, DirectoryUser[]> = {};
    for (const id of new Set(grants.filter((g) => g.principal.kind === 'group').map((g) => g.principal.id))) {
      const members = followUp.groupMembers[id];
      const failure = followUp.groupFailures.get(id);
      if (members) groupMembers[id] = members;
      else if (failure) caveats.push(caveat('groups', `Members of role-assignable group ${id} could not be read, so admins through it are missing:`, failure));
    }

    let registrations: Record<string, boolean> = {};
    let registrationSource: RegistrationSource | null = null;
    if (adminRegs.ok) {
      registrations = followUp.registrations;
      registrationSource = 'registrationReport';
      if (followUp.lookupFailure) {
        caveats.push(caveat('registration', 'MFA registration of some admins could not be read; they show as unknown.', followUp.lookupFailure));
      }
    } else if (adminRegs.failure.kind === 'licence') {
      // No Entra ID P1/P2 (the SKUs read in this sweep say so): the registration report stays closed,
      // while each admin's methods need no premium licence. Such tenants have few admins.
      const fromMethods = await this.registrationsFromMethods(batch, adminUserIds(grants, groupMembers));
      registrations = fromMethods.rows;
      if (fromMethods.read > 0) registrationSource = 'authenticationMethods';
      if (fromMethods.failure) {
        const n = fromMethods.unread;
        caveats.push(caveat('registration',
          `The registration report needs Entra ID P1 or P2, so MFA registration comes from each admin's authentication methods, and those of ${n === 1 ? '1 admin' : `${n} admins`} could not be read; they show as unknown.`,
          fromMethods.failure));
      }
    } else {
      caveats.push(caveat('registration', 'MFA registration could not be read, so every admin shows as unknown.', adminRegs.failure));
    }

    const unnamed = [...followUp.unnamed].filter((id) => grants.some((g) => g.principal.id === id) || Object.values(groupMembers).some((m) => m.some((u) => u.id === id)));
    if (unnamed.length > 0) {
      caveats.push({
        area: 'names',
        message: `Graph returned ${unnamed.length === 1 ? '1 admin' : `${unnamed.length} admins`} without a name (MfaBot's app lacks User.Read.All), so they show by object id and disabled accounts cannot be told apart.`,
        missing: 'User.Read.All',
      });
    }

    if (!policies.ok) caveats.push(caveat('policies', 'Conditional Access policies could not be read, so no role can be shown as enforced.', policies.failure));
    if (!named.ok) {
      caveats.push(caveat('namedLocations', 'Named locations could not be read, so no named location counts as trusted where that would add coverage.', named.failure));
    }
    caveats.push(...membership.caveats);
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
      registrations,
      registrationSource,
      pimSettings: pim.ok ? pim.value : null,
      ...(pimUnreadable ? { pimUnreadable } : {}),
      policies: policies.ok ? policies.value : [],
      groupMembership: membership.groups,
      membershipReads: membership.reads,
      namedLocations: named.ok ? named.value.map(toNamedLocation) : null,
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

  /**
   * Transitive user members (ids only) of the groups that can change a coverage verdict: declared
   * ones first, then those policies exclude, then those they include, each up to
   * `memberPagesPerGroup` pages and at most `membershipGroups` groups. Whatever is not read in full
   * is marked incomplete, and the caveats say which groups and why.
   */
  private async memberships(batch: GraphBatcher, wanted: GroupsToRead): Promise<{ groups: Record<string, GroupMembership>; reads: MembershipReads; caveats: Caveat[] }> {
    const pages = this.opts.memberPagesPerGroup ?? MEMBER_PAGES_PER_GROUP;
    const ordered = [...wanted.declared, ...wanted.excluded, ...wanted.included];
    const chosen = ordered.slice(0, this.opts.membershipGroups ?? MEMBERSHIP_GROUPS);
    const reads: MembershipReads = { groups: chosen.length, requests: 0, incomplete: 0 };
    const groups: Record<string, GroupMembership> = {};
    const tooLarge: string[] = [];
    const failures = new Map<string, GraphFailure>();
    await Promise.all(chosen.map(async (id) => {
      const memberIds: string[] = [];
      let next: string | undefined = `/groups/${encodeURIComponent(id)}/transitiveMembers/microsoft.graph.user?$select=id&$top=999&$count=true`;
      let read = 0;
      try {
        while (next && read < pages) {
          reads.requests += 1;
          read += 1;
          const page: GraphPage<{ id?: string }> = asPage<{ id?: string }>(await batch.get<unknown>(next, { headers: { ConsistencyLevel: 'eventual' } }), next);
          for (const m of page.value) if (typeof m.id === 'string') memberIds.push(m.id.toLowerCase());
          const link = page['@odata.nextLink'];
          next = link ? relativeNextLink(link, this.opts.baseUrl) : undefined;
        }
      } catch (err) {
        if (!(err instanceof GraphFailure)) throw err;
        // A deleted group holds nobody, and a declared break-glass id may be a user, which is no group.
        if (err.kind === 'notFound') {
          groups[id] = { memberIds: [], complete: true };
          return;
        }
        failures.set(id, err);
        groups[id] = { memberIds, complete: false };
        return;
      }
      groups[id] = { memberIds, complete: next === undefined };
      if (next !== undefined) tooLarge.push(id);
    }));
    const unread = ordered.slice(chosen.length);
    for (const id of unread) groups[id] = { memberIds: [], complete: false };
    reads.incomplete = Object.values(groups).filter((g) => !g.complete).length;

    const caveats: Caveat[] = [];
    const consequence = 'admins not found among them are never counted as covered by a policy that includes such a group, and are taken to be left out by one that excludes it';
    if (tooLarge.length > 0) {
      caveats.push({ area: 'groups', message: `${listIds(tooLarge, 'group')} named by Conditional Access ${tooLarge.length === 1 ? 'has' : 'have'} more members than MfaBot reads (${(pages * 999).toLocaleString('en-US')} users each): ${consequence}.` });
    }
    if (unread.length > 0) {
      caveats.push({ area: 'groups', message: `Conditional Access names more groups than MfaBot reads in one status (${chosen.length} of ${ordered.length}); for ${listIds(unread, 'group')} ${consequence}.` });
    }
    const failed = [...failures.entries()];
    if (failed.length > 0) {
      const [, first] = failed[0] as [string, GraphFailure];
      caveats.push(caveat('groups', `Members of ${listIds(failed.map(([id]) => id), 'group')} named by Conditional Access or declared as exclusions could not be read, so ${consequence}:`, first));
    }
    return { groups, reads, caveats };
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
    const perRole = () => Promise.all(roleIds.map((id) => followPages<AssignmentRow>(
      batch.getter, this.opts.baseUrl, `${ASSIGNMENTS}?$filter=roleDefinitionId eq '${id}'&${expand}`, take,
    )));
    const list = roleIds.map((id) => `'${id}'`).join(',');
    let next: string | undefined = `${ASSIGNMENTS}?$filter=roleDefinitionId in (${list})&${expand}`;
    let first = true;
    while (next) {
      let page: GraphPage<AssignmentRow>;
      try {
        page = asPage<AssignmentRow>(await graphGet<unknown>(this.client, next), next);
      } catch (err) {
        // `in` and `$expand` are each documented here, together they are not: one query per role then.
        if (!first || !(err instanceof GraphFailure) || err.kind !== 'badRequest' || roleIds.length === 0) throw err;
        await perRole();
        break;
      }
      first = false;
      take(page.value);
      const link = page['@odata.nextLink'];
      next = link ? relativeNextLink(link, this.opts.baseUrl) : undefined;
      if (next && byId.size >= FAN_OUT_AFTER_ASSIGNMENTS && roleIds.length > 1) {
        await perRole();
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
   * Registration rows of the users the report marks as admins, two fields each. `isAdmin eq true`,
   * `$select` and `$top` on this report are not documented (the CLI for Microsoft 365 sends the
   * filter): when Graph refuses them (400) the list is empty and every admin is looked up instead
   * (RegistrationLookup), so a narrower or missing isAdmin costs requests, never correctness.
   *
   * 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant means "no Entra ID P1/P2" only when the
   * tenant's subscriptions (read in the same sweep) say so: the same answer is reported on premium
   * tenants now and then, so there it is asked once more, and then blamed on a permission
   * (Directory.Read.All is the reported fix) instead of on the licence.
   */
  private async registrationsOfAdmins(batch: GraphBatcher, skus: Promise<Optional<SubscribedSku[]>>): Promise<UserRegistrationDetails[]> {
    const read = async (): Promise<UserRegistrationDetails[]> => {
      const out: UserRegistrationDetails[] = [];
      await followPages<UserRegistrationDetails>(batch.getter, this.opts.baseUrl,
        `${REGISTRATIONS}?$filter=isAdmin eq true&$select=id,isMfaRegistered&$top=999`, (rows) => {
          for (const r of rows) out.push({ id: r.id, isMfaRegistered: r.isMfaRegistered });
        });
      return out;
    };
    const premium = async (): Promise<boolean> => {
      const known = await skus;
      return known.ok && licenceFromSkus(known.value) !== 'free';
    };
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof GraphFailure)) throw err;
      if (err.kind === 'badRequest') return [];
      if (!isNonPremiumAnswer(err) || !(await premium())) throw err;
    }
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof GraphFailure) || !isNonPremiumAnswer(err)) throw err;
      throw new GraphFailure('permission',
        "Graph answered that the tenant has no premium licence although its subscriptions include Entra ID P1 or P2; Microsoft's reported fix is to grant MfaBot's app Directory.Read.All.",
        { ...err.details, missing: 'Directory.Read.All' });
    }
  }

  /**
   * MFA registration of `userIds` from their authentication methods (UserAuthenticationMethod.Read.All,
   * no premium licence): one read per admin, asked together so they travel twenty to a `$batch`. A
   * user whose methods cannot be read stays unknown; the first failure is kept for the caveat.
   */
  private async registrationsFromMethods(batch: GraphBatcher, userIds: readonly string[]): Promise<{ rows: Record<string, boolean>; read: number; unread: number; failure: GraphFailure | null }> {
    const rows: Record<string, boolean> = {};
    let failure: GraphFailure | null = null;
    let unread = 0;
    await Promise.all(userIds.map(async (id) => {
      const methods: Array<{ '@odata.type'?: unknown }> = [];
      const read = await optional(followPages<{ '@odata.type'?: unknown }>(batch.getter, this.opts.baseUrl,
        `/users/${encodeURIComponent(id)}/authentication/methods`, (items) => methods.push(...items)));
      if (read.ok) {
        rows[id.toLowerCase()] = mfaRegisteredFromMethods(methods);
        return;
      }
      unread += 1;
      failure ??= read.failure;
    }));
    return { rows, read: Object.keys(rows).length, unread, failure };
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

/** Every user who holds a role in scope, directly or through a group, each once (lower case). */
function adminUserIds(grants: readonly RoleGrant[], groupMembers: Record<string, DirectoryUser[]>): string[] {
  const ids = new Set<string>();
  for (const g of grants) {
    if (g.principal.kind === 'user') ids.add(g.principal.id.toLowerCase());
    else if (g.principal.kind === 'group') for (const m of groupMembers[g.principal.id] ?? []) ids.add(m.id.toLowerCase());
  }
  return [...ids];
}

/** "group a", "groups a, b, c and 2 more". */
function listIds(ids: readonly string[], noun: string): string {
  const shown = ids.slice(0, 3).join(', ');
  const more = ids.length > 3 ? ` and ${ids.length - 3} more` : '';
  return `${noun}${ids.length === 1 ? '' : 's'} ${shown}${more}`;
}

/** Only what coverage reads of a named location: its kind and trust. */
function toNamedLocation(l: IpNamedLocation | CountryNamedLocation): NamedLocationInput {
  const typed = l as { '@odata.type'?: string; isTrusted?: boolean; countriesAndRegions?: unknown };
  return {
    id: l.id,
    displayName: l.displayName ?? null,
    ...(typeof typed['@odata.type'] === 'string' ? { '@odata.type': typed['@odata.type'] } : {}),
    ...(typeof typed.isTrusted === 'boolean' ? { isTrusted: typed.isTrusted } : {}),
    ...(typed.countriesAndRegions !== undefined ? { countriesAndRegions: typed.countriesAndRegions } : {}),
  };
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
