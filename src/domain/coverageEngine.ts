/**
 * Can an admin sign in without MFA? The coverage engine answers it over the whole sign-in space
 * (signInSpace.ts): every enabled policy that applies to the admin and protects (MFA, an MFA
 * authentication strength, or block) covers a box of the space, and the admin is covered when the
 * boxes together fill it. Split policies count: by role, client app, platform, location, app, risk.
 *
 * The union is decided by splitting boxes, never by visiting every sign-in, so hundreds of policies
 * stay fast; when the boxes leave a hole, the engine names one concrete sign-in in it and, for the
 * policies that came closest, why each misses that sign-in.
 *
 * Targeting rules (exclude beats include, for users, groups and roles; role targeting sees active
 * assignments): https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-users-groups
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import { buildPolicyIndex, hasPolicy, policyIndices, policySetKey, selectPolicies, type PolicyIndex, type Subject } from './policyIndex';
import { readPolicyRegion, type PolicyRegion, type StrengthInput } from './policyRegion';
import { roleInfo } from './roles';
import {
  APPLICATION, buildSignInSpace, CLIENT_APP, contains, DIMENSIONS, GENERIC_ATOMS, intersects, LOCATION, lowest,
  PLATFORM, SIGN_IN_RISK, setWords, USER_RISK, withDimension, type AtomSet, type Box, type Dimension,
  type NamedLocationInput, type SignInSpace, type UnprotectedSignIn,
} from './signInSpace';
import type { PolicyGap } from './types';

/** What the engine is told besides the policies. Ids are matched whatever their letter case. */
export interface CoverageOptions {
  /** Declared break-glass accounts: user ids or group ids a policy may exclude without opening a gap. */
  breakGlassIds?: readonly string[];
  /** Sanctioned exclusion groups (service accounts): excluding them is not a gap. */
  exclusionGroupIds?: readonly string[];
  /** The tenant's named locations (Graph ipNamedLocation / countryNamedLocation), for their trust. */
  namedLocations?: readonly NamedLocationInput[];
  /** The tenant's authentication strength policies, for their `requirementsSatisfied`. */
  authenticationStrengths?: readonly StrengthInput[];
  /** Strength ids known to require MFA, beside the built-in ones. */
  mfaStrengthIds?: readonly string[];
  /** Display names of roles outside the built-in catalogue, for sentences. */
  roleNames?: Readonly<Record<string, string>>;
}

/** The policies read once, ready to judge any number of admins. Immutable. */
export interface CoverageEngine {
  space: SignInSpace;
  policies: readonly PolicyRegion[];
  breakGlass: ReadonlySet<string>;
  exclusionGroups: ReadonlySet<string>;
  roleNames: Readonly<Record<string, string>>;
  /** Odd but harmless things about the input, for the report. */
  warnings: readonly string[];
  /** Ids some policy or declaration names: the only facts about an admin that can change a verdict. */
  relevant: { users: ReadonlySet<string>; groups: ReadonlySet<string>; roles: ReadonlySet<string> };
  index: PolicyIndex;
}

/** Why one policy does not protect the unprotected sign-in, in words a person reads after its name. */
export interface PolicyMiss {
  policyId: string;
  policyName: string;
  /** Most fundamental first: "is report-only", "covers only browsers and modern clients". */
  reasons: string[];
}

/** One dimension along which the hole is narrower than the whole space: what a sentence names. */
export interface NarrowDimension {
  dimension: Dimension;
  /** The example sign-in's value: "with Exchange ActiveSync (the iPhone Mail app)". */
  phrase: string;
  /** Every value in the hole: "legacy clients". */
  region: string;
}

/** A sign-in no policy protects, and why. */
export interface CoverageGap {
  unprotectedSignIn: UnprotectedSignIn;
  /** The dimensions that make the hole (empty when no policy protects anything at all). */
  narrowedBy: NarrowDimension[];
  /** Up to three policies that came closest, each with why it misses the sign-in. */
  closest: PolicyMiss[];
  /** True when the hole is only legacy clients, which can only be blocked. */
  legacyOnly: boolean;
}

/** The verdict for one subject (a role, or an admin). */
export interface SubjectCoverage {
  covered: boolean;
  /** Policies that protect part of the subject's sign-ins, each once, in input order. */
  contributing: string[];
  /**
   * Policies that target the subject but leave sign-ins unprotected, with every reason ("; ").
   * Filled for roles only: an admin's verdict carries the counterexample instead.
   */
  gaps: PolicyGap[];
  /** One unprotected sign-in, when not covered. */
  gap: CoverageGap | null;
}

/** An admin as the engine needs them. */
export interface AdminSubject {
  id: string;
  activeRoleIds: readonly string[];
  /** PIM-eligible roles: evaluated as activated, the moment they can be used. */
  eligibleRoleIds?: readonly string[];
  /** Transitive group memberships. */
  groupIds?: readonly string[];
  /**
   * Groups whose members could not all be read (too many, or the read failed) and in whose read
   * part this admin was not found. A policy including one is not counted on for them, one excluding
   * it is taken to exclude them, and membership of a declared break-glass or exclusion group is not
   * assumed: a doubt never turns into coverage.
   */
  uncertainGroupIds?: readonly string[];
  /** Graph's userType; an admin is an internal member unless the tenant says otherwise. */
  userType?: 'member' | 'guest';
}

export interface SanctionedExclusion {
  kind: 'breakGlass' | 'exclusionGroup';
  /** The declared user or group id that matches the admin. */
  id: string;
}

export interface AdminCoverage {
  id: string;
  /** `excluded`: not covered, and a declared break-glass account or member of a declared exclusion group. */
  caCovered: boolean | 'excluded';
  unprotectedSignIn: UnprotectedSignIn | null;
  gap: CoverageGap | null;
  /** Policies protecting part of the admin's sign-ins, when covered. */
  coveredBy: string[];
  /** Eligible roles the verdict assumed activated (held eligible, not active). */
  evaluatedAsActivated: string[];
  sanctionedExclusion: SanctionedExclusion | null;
  /**
   * Groups some policy or declaration names whose members could not all be read, and which may
   * hold this admin: the verdict did not count on them. Empty when covered (the doubt did not matter).
   */
  uncertainGroups: string[];
}

export interface AdminsCoverage {
  admins: AdminCoverage[];
  /** Distinct (roles, groups, exclusion facts) signatures evaluated: admins alike are judged once. */
  signatures: number;
}

const lower = (s: string): string => s.toLowerCase();

/** Reads the policies once. */
export function createCoverageEngine(policies: readonly ConditionalAccessPolicy[], options: CoverageOptions = {}): CoverageEngine {
  const space = buildSignInSpace(policies, options.namedLocations ?? []);
  const strengths = new Map((options.authenticationStrengths ?? []).filter((s) => s.id).map((s) => [lower(s.id as string), s]));
  const ctx = { space, mfaStrengthIds: new Set((options.mfaStrengthIds ?? []).map(lower)), strengths };
  const warnings: string[] = [];
  const regions = policies.map((p, i) => readPolicyRegion(p, i, ctx, warnings));
  const breakGlass = new Set((options.breakGlassIds ?? []).map(lower));
  const exclusionGroups = new Set((options.exclusionGroupIds ?? []).map(lower));
  const users = new Set(breakGlass);
  const groups = new Set([...breakGlass, ...exclusionGroups]);
  const roles = new Set<string>();
  for (const r of regions) {
    for (const u of [...r.users.includeUsers, ...r.users.excludeUsers]) users.add(u);
    for (const g of [...r.users.includeGroups, ...r.users.excludeGroups]) groups.add(g);
    for (const role of [...r.users.includeRoles, ...r.users.excludeRoles]) roles.add(role);
  }
  return {
    space,
    policies: regions,
    breakGlass,
    exclusionGroups,
    roleNames: options.roleNames ?? {},
    warnings: [...new Set(warnings)],
    relevant: { users, groups, roles },
    index: buildPolicyIndex(regions, breakGlass, exclusionGroups),
  };
}

interface Exclusion {
  /** For reports: "excludes this role". */
  reason: string;
  /** After the policy's name: "excludes the Exchange Administrator role". */
  words: string;
}

const roleName = (engine: CoverageEngine, id: string): string => roleInfo(id, engine.roleNames).displayName;

/** What keeps a targeting policy from applying to the subject: "None", excluded roles, users, groups, guests. */
function exclusionsOf(engine: CoverageEngine, policy: PolicyRegion, subject: Subject): { none: Exclusion | null; roles: Exclusion[]; others: Exclusion[] } {
  const u = policy.users;
  const none = u.includeNone ? { reason: 'its users include "None", so it may apply to nobody', words: 'includes no users ("None")' } : null;
  const roles: Exclusion[] = [];
  for (const r of subject.roles) {
    if (!u.excludeRoles.has(r)) continue;
    roles.push(subject.mode === 'role'
      ? { reason: 'excludes this role', words: `excludes the ${roleName(engine, r)} role` }
      : { reason: `excludes the ${roleName(engine, r)} role, which this admin holds`, words: `excludes the ${roleName(engine, r)} role` });
  }
  const others: Exclusion[] = [];
  if (subject.mode === 'role') {
    // Anyone excluded may be an admin holding the role: only declared exclusions are safe.
    const strangers = u.excludeUsers.filter((id) => !engine.breakGlass.has(id));
    if (strangers.length === 1) {
      others.push({ reason: `excludes user ${strangers[0]} who is not a declared break-glass account`, words: `excludes user ${strangers[0]}, who is not a declared break-glass account` });
    } else if (strangers.length > 1) {
      others.push({ reason: `excludes users ${strangers.join(', ')} who are not declared break-glass accounts`, words: `excludes users who are not declared break-glass accounts (${strangers.join(', ')})` });
    }
    const groups = u.excludeGroups.filter((id) => !engine.breakGlass.has(id) && !engine.exclusionGroups.has(id));
    if (groups.length > 0) {
      const noun = groups.length === 1 ? 'group' : 'groups';
      others.push({
        reason: `excludes ${noun} ${groups.join(', ')} (not a declared break-glass or exclusion group)`,
        words: `excludes ${noun} ${groups.join(', ')}, not a declared break-glass or exclusion group`,
      });
    }
  } else {
    if (subject.userId !== null && u.excludeUsers.includes(subject.userId)) others.push({ reason: 'excludes this admin', words: 'excludes this admin' });
    for (const g of u.excludeGroups) {
      if (subject.groups.has(g)) others.push({ reason: `excludes group ${g}, which this admin is in`, words: `excludes group ${g}, which this admin is in` });
      else if (subject.uncertainGroups.has(g)) {
        others.push({ reason: `excludes group ${g}, whose members MfaBot could not all read, so it may exclude this admin`, words: `excludes group ${g}, whose members MfaBot could not all read, so it may exclude this admin` });
      }
    }
    const surely = u.includeAll || [...subject.roles].some((r) => u.includeRoles.has(r))
      || (subject.userId !== null && u.includeUsers.has(subject.userId)) || [...subject.groups].some((g) => u.includeGroups.has(g));
    const maybe = surely ? undefined : [...subject.uncertainGroups].find((g) => u.includeGroups.has(g));
    if (maybe !== undefined) {
      others.push({ reason: `includes group ${maybe}, whose members MfaBot could not all read, so it may not apply to this admin`, words: `applies to group ${maybe}, whose members MfaBot could not all read, so it may not apply to this admin` });
    }
  }
  const guest = guestExclusion(policy, subject);
  if (guest) others.push(guest);
  return { none, roles, others };
}

/**
 * Guest or external user exclusions that may match the subject. An internal member matches
 * `b2bCollaborationMember` (a member-type account Entra cannot tell apart by userType alone), the
 * legacy keyword, and an exclusion that does not say which types; a guest matches any type.
 */
function guestExclusion(policy: PolicyRegion, subject: Subject): Exclusion | null {
  const u = policy.users;
  const who = subject.mode === 'role' ? 'an internal admin' : 'this admin';
  if (u.excludesGuestKeyword) {
    return { reason: `excludes guest or external users (GuestsOrExternalUsers), which can match ${who}`, words: `excludes guest or external users, which can match ${who}` };
  }
  const types = u.excludedGuestTypes;
  if (types === null) return null;
  if (types.length === 0) return { reason: 'excludes guest or external users (which types is not stated)', words: `excludes guest or external users without saying which, so it may exclude ${who}` };
  const matching = subject.guest ? types : types.filter((t) => lower(t) === 'b2bcollaborationmember');
  if (matching.length === 0) return null;
  return { reason: `excludes guest or external users (${matching.join(', ')}), which can match ${who}`, words: `excludes guest or external users (${matching.join(', ')}), which can match ${who}` };
}

/**
 * A box of the region that no box covers, or null when the boxes cover it all. Splits along the
 * first box that covers part of the region; the part holding the region's most natural atom is
 * searched first, so the hole found is the most ordinary one.
 */
function findUncovered(region: Box, boxes: readonly Box[]): Box | null {
  const live: Box[] = [];
  for (const b of boxes) {
    if (!intersects(region, b)) continue;
    if (contains(b, region)) return null;
    live.push(b);
  }
  if (live.length === 0) return region;
  const first = live[0] as Box;
  let d = 0;
  while (((region[d] as AtomSet) & ~(first[d] as AtomSet)) === 0n) d += 1;
  const inside = (region[d] as AtomSet) & (first[d] as AtomSet);
  const outside = (region[d] as AtomSet) & ~(first[d] as AtomSet);
  const preferred = 1n << BigInt(lowest(region[d] as AtomSet));
  for (const part of (preferred & inside) !== 0n ? [inside, outside] : [outside, inside]) {
    const hole = findUncovered(withDimension(region, d, part), live);
    if (hole) return hole;
  }
  return null;
}

/** Dimensions widened first stay out of the sentence: risk and apps are the least telling. */
const WIDEN_ORDER = [USER_RISK, SIGN_IN_RISK, APPLICATION, PLATFORM, LOCATION, CLIENT_APP];
const IOS = 2;
const EXCHANGE_ACTIVE_SYNC = 2;
const LEGACY_CLIENTS = 0b1100n;

/** The most natural sign-in of a hole: the lowest atom of each set (Exchange ActiveSync on iOS). */
function pointIn(hole: Box): number[] {
  const point = hole.map((set) => lowest(set));
  if (point[CLIENT_APP] === EXCHANGE_ACTIVE_SYNC && ((hole[PLATFORM] as AtomSet) & (1n << BigInt(IOS))) !== 0n) point[PLATFORM] = IOS;
  return point;
}

/** The widest box around the point that no box touches, one dimension at a time. */
function widen(space: SignInSpace, point: readonly number[], boxes: readonly Box[]): AtomSet[] {
  const hole = point.map((i) => 1n << BigInt(i));
  for (const d of WIDEN_ORDER) {
    let blocked = 0n;
    for (const b of boxes) {
      let touches = true;
      for (let e = 0; e < hole.length && touches; e += 1) if (e !== d && ((hole[e] as AtomSet) & (b[e] as AtomSet)) === 0n) touches = false;
      if (touches) blocked |= b[d] as AtomSet;
    }
    hole[d] = (space.full[d] as AtomSet) & ~blocked;
  }
  return hole;
}

const has = (set: AtomSet, i: number): boolean => (set & (1n << BigInt(i))) !== 0n;

/**
 * What is known about a set of covering policies, by its key: whether they leave a hole, and the
 * verdict of a covered subject (which depends on nothing else). Alike subjects share them.
 */
type UnionCache = Map<string, { hole: Box | null; covered?: SubjectCoverage }>;

function evaluate(engine: CoverageEngine, subject: Subject, opts: { gaps: boolean; cache?: UnionCache }): SubjectCoverage {
  const { targeting, covering } = selectPolicies(engine.index, subject);
  const key = policySetKey(covering);
  const boxes = (): Box[] => engine.index.byVolume.filter((i) => hasPolicy(covering, i)).map((i) => (engine.policies[i] as PolicyRegion).box);
  let known = opts.cache?.get(key);
  if (!known) {
    known = { hole: findUncovered(engine.space.full, boxes()) };
    opts.cache?.set(key, known);
  }
  const { hole } = known;
  const covered = hole === null;
  const contributing = () => policyIndices(covering).map((i) => engine.policies[i] as PolicyRegion);
  if (covered && !opts.gaps) {
    known.covered ??= { covered: true, contributing: unique(contributing().map((p) => p.id)), gaps: [], gap: null };
    return known.covered;
  }
  const contributingPolicies = contributing();
  const contributes = new Set(contributingPolicies);
  const withWords = covered && !opts.gaps
    ? []
    : policyIndices(targeting).map((i) => engine.policies[i] as PolicyRegion).map((policy) => ({ policy, exclusions: exclusionsOf(engine, policy, subject) }));

  const gaps: PolicyGap[] = [];
  for (const { policy, exclusions } of opts.gaps ? withWords : []) {
    if (contributes.has(policy) && covered) continue;
    const reasons = contributes.has(policy)
      ? policy.limits.filter((l) => l.kind === 'application' || l.kind === 'dimension').map((l) => l.reason)
      : [
        ...(exclusions.none ? [exclusions.none.reason] : []),
        ...policy.limits.filter((l) => l.kind === 'state').map((l) => l.reason),
        ...exclusions.roles.map((e) => e.reason),
        ...policy.limits.filter((l) => l.kind !== 'state').map((l) => l.reason),
        ...exclusions.others.map((e) => e.reason),
      ];
    const reason = reasons.join('; ') || 'protects none of these sign-ins';
    // An export may list the same policy twice: it still fails once.
    if (!gaps.some((g) => g.policyId === policy.id && g.reason === reason)) gaps.push({ policyId: policy.id, policyName: policy.name, reason });
  }

  let gap: CoverageGap | null = null;
  if (hole) {
    const point = pointIn(hole);
    const wide = widen(engine.space, point, boxes());
    gap = describeHole(engine, point, wide, withWords);
  }
  return { covered, contributing: unique(contributingPolicies.map((p) => p.id)), gaps, gap };
}

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

function describeHole(
  engine: CoverageEngine,
  point: readonly number[],
  hole: readonly AtomSet[],
  targeting: readonly { policy: PolicyRegion; exclusions: ReturnType<typeof exclusionsOf> }[],
): CoverageGap {
  const { space } = engine;
  const atom = (d: number) => space.atoms[d]?.[point[d] as number];
  const label = (d: number): string => atom(d)?.label ?? '';
  const unprotectedSignIn: UnprotectedSignIn = {
    clientAppType: label(CLIENT_APP),
    platform: label(PLATFORM),
    location: label(LOCATION),
    application: hole[APPLICATION] === space.full[APPLICATION] ? 'All' : label(APPLICATION),
    signInRisk: label(SIGN_IN_RISK),
    userRisk: label(USER_RISK),
  };
  const narrowedBy: NarrowDimension[] = [];
  DIMENSIONS.forEach((dimension, d) => {
    if (hole[d] === space.full[d]) return;
    // A hole holding every app or place no policy names is not about one app or place: a sentence
    // naming "other apps" would mislead, though the JSON still gives the exact sign-in.
    const generic = GENERIC_ATOMS[d];
    if (generic !== undefined && ((hole[d] as AtomSet) & generic) === generic) return;
    narrowedBy.push({ dimension, phrase: atom(d)?.phrase ?? '', region: setWords(space, d, hole[d] as AtomSet) });
  });

  const seen = new Set<string>();
  const narrowed = new Set(narrowedBy.map((n) => DIMENSIONS.indexOf(n.dimension)));
  const misses: (PolicyMiss & { index: number; offAxis: boolean })[] = [];
  for (const { policy, exclusions } of targeting) {
    const key = policy.id || `#${policy.index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const reasons = [
      ...(exclusions.none ? [exclusions.none.words] : []),
      ...(policy.stateWords ? [policy.stateWords] : []),
      ...(policy.grantWords ? [policy.grantWords] : []),
      ...exclusions.roles.map((e) => e.words),
      ...exclusions.others.map((e) => e.words),
      ...policy.unjudgeableWords,
    ];
    let offAxis = false;
    policy.reach.forEach((reach, d) => {
      const i = point[d] as number;
      if (has(reach.set, i)) return;
      if (!narrowed.has(d)) offAxis = true;
      reachWords(reasons, has(reach.included, i) ? reach.excludedWords : reach.outsideWords);
    });
    misses.push({ policyId: policy.id, policyName: policy.name, reasons, index: policy.index, offAxis });
  }
  // A policy that misses the sign-in along a dimension the hole is not about (a country block, when
  // every client of a kind gets through) is not close: name it only when nothing closer exists.
  const onAxis = misses.some((m) => !m.offAxis) ? misses.filter((m) => !m.offAxis) : misses;
  onAxis.sort((a, b) => a.reasons.length - b.reasons.length || a.index - b.index);
  const legacyOnly = narrowedBy.length === 1 && narrowedBy[0]?.dimension === 'clientAppType' && ((hole[CLIENT_APP] as AtomSet) & ~LEGACY_CLIENTS) === 0n;
  return {
    unprotectedSignIn,
    narrowedBy,
    closest: onAxis.slice(0, 3).map(({ policyId, policyName, reasons }) => ({ policyId, policyName, reasons })),
    legacyOnly,
  };
}

function reachWords(reasons: string[], words: string): void {
  if (words && !reasons.includes(words)) reasons.push(words);
}

/**
 * Per role (`check-policies`): the hypothetical admin holding exactly this role, active, in no group.
 * Excluded users or groups that are not declared break-glass or exclusion groups may be such admins,
 * so a policy excluding them adds no coverage for the roles it targets.
 */
export function evaluateRole(engine: CoverageEngine, roleId: string): SubjectCoverage {
  return evaluate(engine, { mode: 'role', userId: null, roles: new Set([lower(roleId)]), groups: new Set(), uncertainGroups: new Set(), guest: false }, { gaps: true });
}

/** The facts about an admin that can change a verdict, as a key: admins with equal keys are judged once. */
function signatureOf(engine: CoverageEngine, admin: AdminSubject): { key: string; subject: Subject } {
  const { relevant } = engine;
  const roles = [...new Set([...admin.activeRoleIds, ...(admin.eligibleRoleIds ?? [])].map(lower))].filter((r) => relevant.roles.has(r)).sort();
  const groups = [...new Set((admin.groupIds ?? []).map(lower))].filter((g) => relevant.groups.has(g)).sort();
  const known = new Set(groups);
  const uncertain = [...new Set((admin.uncertainGroupIds ?? []).map(lower))].filter((g) => relevant.groups.has(g) && !known.has(g)).sort();
  const userId = relevant.users.has(lower(admin.id)) ? lower(admin.id) : null;
  const guest = admin.userType === 'guest';
  return {
    key: JSON.stringify([roles, groups, uncertain, userId, guest]),
    subject: { mode: 'admin', userId, roles: new Set(roles), groups: new Set(groups), uncertainGroups: new Set(uncertain), guest },
  };
}

function sanctioned(engine: CoverageEngine, subject: Subject): SanctionedExclusion | null {
  if (subject.userId !== null && engine.breakGlass.has(subject.userId)) return { kind: 'breakGlass', id: subject.userId };
  for (const g of subject.groups) if (engine.breakGlass.has(g)) return { kind: 'breakGlass', id: g };
  for (const g of subject.groups) if (engine.exclusionGroups.has(g)) return { kind: 'exclusionGroup', id: g };
  return null;
}

function adminVerdict(admin: AdminSubject, subject: Subject, verdict: SubjectCoverage, exclusion: SanctionedExclusion | null): AdminCoverage {
  const active = new Set(admin.activeRoleIds.map(lower));
  return {
    id: admin.id,
    caCovered: verdict.covered ? true : exclusion ? 'excluded' : false,
    unprotectedSignIn: verdict.gap?.unprotectedSignIn ?? null,
    gap: verdict.gap,
    coveredBy: verdict.covered ? verdict.contributing : [],
    evaluatedAsActivated: unique((admin.eligibleRoleIds ?? []).filter((r) => !active.has(lower(r)))),
    sanctionedExclusion: verdict.covered ? null : exclusion,
    uncertainGroups: verdict.covered ? [] : [...subject.uncertainGroups],
  };
}

/**
 * Per admin (`status`): their real roles (eligible ones as activated), transitive groups and user
 * id. A declared break-glass account, or a member of a declared break-glass or exclusion group, who
 * is not covered is reported `excluded` (sanctioned), never as covered.
 */
export function evaluateAdmin(engine: CoverageEngine, admin: AdminSubject): AdminCoverage {
  const { subject } = signatureOf(engine, admin);
  return adminVerdict(admin, subject, evaluate(engine, subject, { gaps: false }), sanctioned(engine, subject));
}

/**
 * Every admin, each distinct signature evaluated once. Output in input order; admins alike share
 * their verdict's arrays, so treat the result as read-only.
 */
export function evaluateAdmins(engine: CoverageEngine, admins: readonly AdminSubject[]): AdminsCoverage {
  const verdicts = new Map<string, { subject: Subject; verdict: SubjectCoverage; exclusion: SanctionedExclusion | null }>();
  const cache: UnionCache = new Map();
  const out = admins.map((admin) => {
    const { key, subject } = signatureOf(engine, admin);
    let known = verdicts.get(key);
    if (!known) {
      known = { subject, verdict: evaluate(engine, subject, { gaps: false, cache }), exclusion: sanctioned(engine, subject) };
      verdicts.set(key, known);
    }
    return adminVerdict(admin, known.subject, known.verdict, known.exclusion);
  });
  return { admins: out, signatures: verdicts.size };
}
