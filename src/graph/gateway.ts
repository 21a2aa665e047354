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
  Organization, SecureScore, SecureScoreControlProfile, SubscribedSku, UserRegistrationDetails,
} from '@microsoft/microsoft-graph-types';
import { groupsToRead } from '../domain/coverage';
import type { NamedLocationInput } from '../domain/signInSpace';
import type { Caveat } from '../domain/types';
import type { DirectoryUser, RegistrationSource, RoleGrant, TenantFacts } from '../domain/facts';
import type { PimRolePolicy } from '../domain/pim';
import { licenceFromSkus, secureScoreFromGraph } from '../domain/licence';
import { trace } from '../log';
import { readActiveAssignments, readEligibleAssignments, FAN_OUT_AFTER_ROWS, type PageGetters } from './assignments';
import { GraphFailure, optional, type Optional } from './errors';
import { AdminFollowUp } from './followUp';
import { readMemberships, type Memberships } from './memberships';
import { toDirectoryUser } from './mapping';
import { readPimSettings } from './pimGateway';
import { readAdminRows, registrationsFromMethods, RegistrationLookup } from './registrations';
import { GraphBatcher, asPage, followPages, getAll, graphGet } from './requests';

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

/** Asks Graph for enum members added after unknownFutureValue (learn.microsoft.com/graph/best-practices-concept). */
export const INCLUDE_UNKNOWN_ENUM_MEMBERS = 'include-unknown-enum-members';

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
/** Rows of role assignments (or eligibility) after which a large tenant is read one query per role. */
export const FAN_OUT_AFTER_ASSIGNMENTS = FAN_OUT_AFTER_ROWS;

function caveat(area: Caveat['area'], prefix: string, failure: GraphFailure): Caveat {
  return { area, message: `${prefix} ${failure.message}`, missing: failure.details.missing };
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

/** `Promise.all` over an object of promises. */
async function allOf<T extends Record<string, Promise<unknown>>>(reads: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const keys = Object.keys(reads) as Array<keyof T>;
  const values = await Promise.all(keys.map((k) => reads[k]));
  return Object.fromEntries(keys.map((k, i) => [k, values[i]])) as { [K in keyof T]: Awaited<T[K]> };
}

/** Every read of one sweep, started together. */
type SweepReads = {
  active: Promise<Settled<RoleGrant[]>>;
  policies: Promise<Optional<ConditionalAccessPolicy[]>>;
  org: Promise<Optional<{ value: Organization[] }>>;
  defaults: Promise<Optional<IdentitySecurityDefaultsEnforcementPolicy>>;
  skus: Promise<Optional<SubscribedSku[]>>;
  strengths: Promise<Optional<AuthenticationStrengthPolicy[]>>;
  score: Promise<Optional<ReturnType<typeof secureScoreFromGraph>>>;
  eligible: Promise<Optional<RoleGrant[]>>;
  adminRegs: Promise<Optional<UserRegistrationDetails[]>>;
  named: Promise<Optional<Array<IpNamedLocation | CountryNamedLocation>>>;
  membership: Promise<Memberships>;
  pim: Promise<Optional<PimRolePolicy[]>>;
};

type Swept = { [K in keyof SweepReads]: Awaited<SweepReads[K]> };

/** One sweep's shared state: the batcher every small read travels in, and the follow-ups of grants. */
interface Sweep {
  opts: ReadTenantOptions;
  inScope: ReadonlySet<string>;
  batch: GraphBatcher;
  followUp: AdminFollowUp;
  get: PageGetters;
}

export class GraphTenantGateway implements TenantGateway {
  constructor(private readonly opts: GraphTenantGatewayOptions) {}

  private get client(): Client {
    return this.opts.client;
  }

  /**
   * Reads the tenant in one sweep. The floor is set by data dependencies, three steps:
   * 1. role assignments and PIM eligibility (their pages, in parallel per role once the tenant
   *    proves large), then
   * 2. members of the role-assignable groups found in them, then
   * 3. registration rows of admins the isAdmin-filtered report left out (15 ids a request, 20 a `$batch`).
   * Everything else (organization, licences, security defaults, Secure Score, authentication
   * strengths, CA policies and the members of the groups they name, PIM role settings, the
   * isAdmin-filtered report) runs alongside. `npm run bench` prints the chain of round trips that
   * decided a sweep's length.
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
    const sweep = this.newSweep(opts);
    const r: Swept = await allOf(this.startReads(sweep));
    if (!r.active.ok) throw r.active.error;
    await sweep.followUp.settle();

    const caveats: Caveat[] = [];
    const grants = grantsInScope(r, sweep.inScope, caveats);
    const groupMembers = groupMembersOf(grants, sweep.followUp, caveats);
    const { registrations, registrationSource } = await this.registrationsOf(sweep, r.adminRegs, adminUserIds(grants, groupMembers), caveats);
    caveats.push(...otherCaveats(r, sweep.followUp, grants, groupMembers));
    return this.facts(r, { grants, groupMembers, registrations, registrationSource, caveats });
  }

  private newSweep(opts: ReadTenantOptions): Sweep {
    const batch = new GraphBatcher(this.client, { sleep: this.opts.batchSleep });
    const get: PageGetters = { plain: (p, o) => graphGet(this.client, p, o), batched: batch.getter, baseUrl: this.opts.baseUrl };
    const inScope = new Set(opts.roleIds.map((r) => r.toLowerCase()));
    const followUp = new AdminFollowUp(inScope, (id) => this.groupUsers(batch, id), new RegistrationLookup(batch.getter, this.opts.baseUrl));
    return { opts, inScope, batch, followUp, get };
  }

  /**
   * Starts every read of the sweep at once. Conditional Access policies are the largest bodies and
   * the role-assignment chain the longest path: each travels on its own so neither waits for the
   * slowest item of a batch (the registration report is the slow one in real tenants). The groups
   * that can change a verdict are known once the policies (and what their strengths require) are:
   * their members are read alongside the role assignments.
   */
  private startReads(sweep: Sweep): SweepReads {
    const { batch, followUp, opts, get } = sweep;
    const onGrants = (g: RoleGrant[]): void => followUp.grants(g);
    const skus = optional(this.collect<SubscribedSku>(batch, '/subscribedSkus'));
    // Without the Prefer header Graph hides enum members added after unknownFutureValue (linux, riskRemediation).
    const policies = optional(getAll<ConditionalAccessPolicy>(this.client, this.opts.baseUrl, '/identity/conditionalAccess/policies', { headers: { Prefer: INCLUDE_UNKNOWN_ENUM_MEMBERS } }));
    const strengths = optional(this.collect<AuthenticationStrengthPolicy>(batch, '/policies/authenticationStrengthPolicies'));
    const membership = Promise.all([policies, strengths]).then(([p, st]) => readMemberships(batch.getter, this.opts.baseUrl, groupsToRead(p.ok ? p.value : [], {
      breakGlassIds: opts.breakGlassIds, exclusionGroupIds: opts.exclusionGroupIds, authenticationStrengths: st.ok ? st.value : undefined,
    }), { pagesPerGroup: this.opts.memberPagesPerGroup ?? MEMBER_PAGES_PER_GROUP, groups: this.opts.membershipGroups ?? MEMBERSHIP_GROUPS }));
    return {
      active: settled(readActiveAssignments(get, opts.roleIds, onGrants)),
      policies,
      org: optional(batch.get<unknown>('/organization?$select=id,displayName').then((b) => asPage<Organization>(b, '/organization'))),
      defaults: optional(batch.get<IdentitySecurityDefaultsEnforcementPolicy>('/policies/identitySecurityDefaultsEnforcementPolicy?$select=isEnabled')),
      skus,
      strengths,
      score: optional(this.secureScore(batch)),
      eligible: optional(readEligibleAssignments(get, opts.roleIds, onGrants)),
      adminRegs: optional(readAdminRows(batch.getter, this.opts.baseUrl, skus).then((rows) => {
        followUp.listed(rows);
        return rows;
      })),
      named: optional(this.collect<IpNamedLocation | CountryNamedLocation>(batch, NAMED_LOCATIONS)),
      membership,
      pim: optional(readPimSettings(batch.getter, this.opts.baseUrl)),
    };
  }

  /**
   * Registration per admin: the report's rows when it could be read (the isAdmin-filtered list and
   * the look-ups), or each admin's authentication methods on a tenant without the premium licence
   * the report needs.
   */
  private async registrationsOf(sweep: Sweep, adminRegs: Swept['adminRegs'], adminIds: readonly string[], caveats: Caveat[]): Promise<{ registrations: Record<string, boolean>; registrationSource: RegistrationSource | null }> {
    if (adminRegs.ok) {
      if (sweep.followUp.lookupFailure) {
        caveats.push(caveat('registration', 'MFA registration of some admins could not be read; they show as unknown.', sweep.followUp.lookupFailure));
      }
      return { registrations: sweep.followUp.registrations, registrationSource: 'registrationReport' };
    }
    if (adminRegs.failure.kind !== 'licence') {
      caveats.push(caveat('registration', 'MFA registration could not be read, so every admin shows as unknown.', adminRegs.failure));
      return { registrations: {}, registrationSource: null };
    }
    // No Entra ID P1/P2 (the SKUs read in this sweep say so): the registration report stays closed,
    // while each admin's methods need no premium licence. Such tenants have few admins.
    const fromMethods = await registrationsFromMethods(sweep.batch.getter, this.opts.baseUrl, adminIds);
    if (fromMethods.failure) {
      const n = fromMethods.unread;
      caveats.push(caveat('registration',
        `The registration report needs Entra ID P1 or P2, so MFA registration comes from each admin's authentication methods, and those of ${n === 1 ? '1 admin' : `${n} admins`} could not be read; they show as unknown.`,
        fromMethods.failure));
    }
    return { registrations: fromMethods.rows, registrationSource: fromMethods.read > 0 ? 'authenticationMethods' : null };
  }

  private facts(r: Swept, read: Pick<TenantFacts, 'grants' | 'groupMembers' | 'registrations' | 'registrationSource' | 'caveats'>): TenantFacts {
    const { pim, policies, membership, named, strengths, defaults, skus, score } = r;
    const organization = r.org.ok ? r.org.value.value?.[0] : undefined;
    const pimUnreadable = pim.ok ? undefined : pim.failure.kind === 'licence' ? 'the tenant has no Entra ID P2 or Governance licence' : pim.failure.message;
    return {
      tenantId: organization?.id ?? this.opts.tenantId ?? 'unknown',
      tenantName: organization?.displayName ?? null,
      grants: read.grants,
      groupMembers: read.groupMembers,
      registrations: read.registrations,
      registrationSource: read.registrationSource,
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
      caveats: read.caveats,
      graphRequests: 0,
      readAt: new Date().toISOString(),
    };
  }

  private async collect<T>(batch: GraphBatcher, path: string): Promise<T[]> {
    const out: T[] = [];
    await followPages<T>(batch.getter, this.opts.baseUrl, path, (items) => out.push(...items));
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

/** The grants of roles in scope, active and eligible; why eligible ones or PIM settings are missing, as caveats. */
function grantsInScope(r: Swept, inScope: ReadonlySet<string>, caveats: Caveat[]): RoleGrant[] {
  const { active, eligible, pim } = r;
  const grants: RoleGrant[] = active.ok ? active.value.filter((g) => inScope.has(g.roleId)) : [];
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
  if (!pim.ok && !(pim.failure.kind === 'licence' && !eligible.ok && eligible.failure.kind === 'licence')) {
    caveats.push(caveat('pim', 'PIM role settings could not be read, so whether activating an admin role demands MFA is unknown:', pim.failure));
  }
  return grants;
}

/** Members of the role-assignable groups among `grants`; a group that could not be read is a caveat. */
function groupMembersOf(grants: readonly RoleGrant[], followUp: AdminFollowUp, caveats: Caveat[]): Record<string, DirectoryUser[]> {
  const groupMembers: Record<string, DirectoryUser[]> = {};
  for (const id of new Set(grants.filter((g) => g.principal.kind === 'group').map((g) => g.principal.id))) {
    const members = followUp.groupMembers[id];
    const failure = followUp.groupFailures.get(id);
    if (members) groupMembers[id] = members;
    else if (failure) caveats.push(caveat('groups', `Members of role-assignable group ${id} could not be read, so admins through it are missing:`, failure));
  }
  return groupMembers;
}

/** Caveats of the reads beside the admins: names, policies, named locations, CA groups, defaults, licence, Secure Score. */
function otherCaveats(r: Swept, followUp: AdminFollowUp, grants: readonly RoleGrant[], groupMembers: Record<string, DirectoryUser[]>): Caveat[] {
  const caveats: Caveat[] = [];
  const principals = new Set(grants.map((g) => g.principal.id));
  const members = new Set(Object.values(groupMembers).flatMap((m) => m.map((u) => u.id)));
  const unnamed = [...followUp.unnamed].filter((id) => principals.has(id) || members.has(id));
  if (unnamed.length > 0) {
    caveats.push({
      area: 'names',
      message: `Graph returned ${unnamed.length === 1 ? '1 admin' : `${unnamed.length} admins`} without a name (MfaBot's app lacks User.Read.All), so they show by object id and disabled accounts cannot be told apart.`,
      missing: 'User.Read.All',
    });
  }
  if (!r.policies.ok) caveats.push(caveat('policies', 'Conditional Access policies could not be read, so no role can be shown as enforced.', r.policies.failure));
  if (!r.named.ok) {
    caveats.push(caveat('namedLocations', 'Named locations could not be read, so no named location counts as trusted where that would add coverage.', r.named.failure));
  }
  caveats.push(...r.membership.caveats);
  if (!r.defaults.ok) caveats.push(caveat('securityDefaults', 'Security defaults could not be read.', r.defaults.failure));
  if (!r.skus.ok) caveats.push(caveat('licence', 'The licence could not be read.', r.skus.failure));
  if (!r.score.ok) caveats.push(caveat('secureScore', 'Secure Score could not be read.', r.score.failure));
  return caveats;
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
