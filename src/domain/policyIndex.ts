/**
 * Which policies target a subject, and which of those cover their box for them, found with bit sets
 * over the policy list instead of a scan of every policy: the lookups a tenant of hundreds of
 * policies and thousands of admins repeats most. Each rule here has its words in coverageEngine.ts
 * (exclusionsOf); the tests check both against a point-by-point reading of the policies.
 */
import type { PolicyRegion } from './policyRegion';

/** A set of policies by input index, 32 to a word. */
export type PolicySet = Uint32Array;

/** Who is being judged, lower-cased. */
export interface Subject {
  mode: 'role' | 'admin';
  userId: string | null;
  roles: ReadonlySet<string>;
  groups: ReadonlySet<string>;
  /**
   * Groups whose members could not all be read and in whose read part the subject was not found:
   * they may or may not be members. A policy including such a group is not counted on; one
   * excluding it is taken to exclude them.
   */
  uncertainGroups: ReadonlySet<string>;
  guest: boolean;
}

export interface PolicyIndex {
  words: number;
  includeAll: PolicySet;
  includeNone: PolicySet;
  /** Protect, can be judged, select some sign-ins. */
  canCover: PolicySet;
  /** Per role: exclude users or groups that are not declared (they may be admins holding the role). */
  undeclaredExclusions: PolicySet;
  /** Guest or external exclusions that can match an internal member, and a guest. */
  guestExcludesMember: PolicySet;
  guestExcludesGuest: PolicySet;
  includeByRole: ReadonlyMap<string, PolicySet>;
  includeByUser: ReadonlyMap<string, PolicySet>;
  includeByGroup: ReadonlyMap<string, PolicySet>;
  excludeByRole: ReadonlyMap<string, PolicySet>;
  excludeByUser: ReadonlyMap<string, PolicySet>;
  excludeByGroup: ReadonlyMap<string, PolicySet>;
  /** Policy indices, biggest box first: the order the union is searched in. */
  byVolume: readonly number[];
}

const add = (set: PolicySet, i: number): void => {
  set[i >>> 5] = (set[i >>> 5] as number) | (1 << (i & 31));
};

export function hasPolicy(set: PolicySet, i: number): boolean {
  return ((set[i >>> 5] as number) & (1 << (i & 31))) !== 0;
}

/** Indices in a set, lowest first. */
export function policyIndices(set: PolicySet): number[] {
  const out: number[] = [];
  for (let w = 0; w < set.length; w += 1) {
    let word = set[w] as number;
    while (word !== 0) {
      const low = word & -word;
      out.push(w * 32 + 31 - Math.clz32(low));
      word ^= low;
    }
  }
  return out;
}

/** A key for a set, equal for equal sets. */
export const policySetKey = (set: PolicySet): string => set.join(',');

export function buildPolicyIndex(policies: readonly PolicyRegion[], breakGlass: ReadonlySet<string>, exclusionGroups: ReadonlySet<string>): PolicyIndex {
  const words = Math.max(1, Math.ceil(policies.length / 32));
  const empty = (): PolicySet => new Uint32Array(words);
  const by = (map: Map<string, PolicySet>, key: string, i: number): void => {
    let set = map.get(key);
    if (!set) map.set(key, (set = empty()));
    add(set, i);
  };
  const index = {
    words,
    includeAll: empty(), includeNone: empty(), canCover: empty(), undeclaredExclusions: empty(),
    guestExcludesMember: empty(), guestExcludesGuest: empty(),
    includeByRole: new Map<string, PolicySet>(), includeByUser: new Map<string, PolicySet>(), includeByGroup: new Map<string, PolicySet>(),
    excludeByRole: new Map<string, PolicySet>(), excludeByUser: new Map<string, PolicySet>(), excludeByGroup: new Map<string, PolicySet>(),
    byVolume: [...policies].sort((a, b) => b.volume - a.volume || a.index - b.index).map((p) => p.index),
  };
  for (const p of policies) {
    const u = p.users;
    const i = p.index;
    if (u.includeAll) add(index.includeAll, i);
    if (u.includeNone) add(index.includeNone, i);
    if (p.canCover) add(index.canCover, i);
    if (u.excludeUsers.some((id) => !breakGlass.has(id)) || u.excludeGroups.some((id) => !breakGlass.has(id) && !exclusionGroups.has(id))) {
      add(index.undeclaredExclusions, i);
    }
    const types = u.excludedGuestTypes;
    if (u.excludesGuestKeyword || (types !== null && (types.length === 0 || types.some((t) => t.toLowerCase() === 'b2bcollaborationmember')))) add(index.guestExcludesMember, i);
    if (u.excludesGuestKeyword || types !== null) add(index.guestExcludesGuest, i);
    for (const r of u.includeRoles) by(index.includeByRole, r, i);
    for (const id of u.includeUsers) by(index.includeByUser, id, i);
    for (const g of u.includeGroups) by(index.includeByGroup, g, i);
    for (const r of u.excludeRoles) by(index.excludeByRole, r, i);
    for (const id of u.excludeUsers) by(index.excludeByUser, id, i);
    for (const g of u.excludeGroups) by(index.excludeByGroup, g, i);
  }
  return index;
}

function orInto(target: PolicySet, set: PolicySet | undefined): void {
  if (!set) return;
  for (let w = 0; w < target.length; w += 1) target[w] = (target[w] as number) | (set[w] as number);
}

/**
 * The policies that target the subject (include them, "None" beside a listed role included, so the
 * report can name it, and those that may include them through a group not read in full), and those
 * that cover their box for them: surely targeting, not excluded (exclude beats include, for users,
 * groups and roles; a group not read in full may exclude them), and able to cover.
 */
export function selectPolicies(index: PolicyIndex, subject: Subject): { targeting: PolicySet; covering: PolicySet } {
  const targeting = index.includeAll.slice();
  const excluded = index.includeNone.slice();
  for (const r of subject.roles) {
    orInto(targeting, index.includeByRole.get(r));
    orInto(excluded, index.excludeByRole.get(r));
  }
  if (subject.mode === 'role') orInto(excluded, index.undeclaredExclusions);
  else {
    if (subject.userId !== null) {
      orInto(targeting, index.includeByUser.get(subject.userId));
      orInto(excluded, index.excludeByUser.get(subject.userId));
    }
    for (const g of subject.groups) {
      orInto(targeting, index.includeByGroup.get(g));
      orInto(excluded, index.excludeByGroup.get(g));
    }
    for (const g of subject.uncertainGroups) orInto(excluded, index.excludeByGroup.get(g));
  }
  orInto(excluded, subject.guest ? index.guestExcludesGuest : index.guestExcludesMember);
  const covering = new Uint32Array(index.words);
  for (let w = 0; w < index.words; w += 1) covering[w] = (targeting[w] as number) & ~(excluded[w] as number) & (index.canCover[w] as number);
  // Policies that may include the subject through a group not read in full: never counted on, but
  // named among those that came closest, with why.
  if (subject.mode === 'admin') for (const g of subject.uncertainGroups) orInto(targeting, index.includeByGroup.get(g));
  return { targeting, covering };
}
