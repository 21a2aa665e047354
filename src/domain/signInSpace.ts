/**
 * The sign-in space: every kind of sign-in an admin can make, as the product of finite "atoms" along
 * the conditions Conditional Access splits sign-ins by (client app type, device platform, location,
 * target application, sign-in risk, user risk). A policy's conditions select a set of atoms in each
 * dimension, so the sign-ins it applies to form a box, and coverage becomes box arithmetic.
 *
 * Atom sets are bigints used as bit sets: bit i is atom i of that dimension. Atoms are ordered by
 * preference, so the lowest bit of a set is the most natural example of it ("no risk" before "high",
 * "untrusted location" before a named one).
 *
 * Conditions: https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-conditions
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';

/** The dimensions of the space, in the order boxes store them. */
export const DIMENSIONS = ['clientAppType', 'platform', 'location', 'application', 'signInRisk', 'userRisk'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const CLIENT_APP = 0;
export const PLATFORM = 1;
export const LOCATION = 2;
export const APPLICATION = 3;
export const SIGN_IN_RISK = 4;
export const USER_RISK = 5;

/** A set of atoms of one dimension. */
export type AtomSet = bigint;
/** One atom set per dimension, in DIMENSIONS order: the sign-ins in all of them. */
export type Box = readonly AtomSet[];

export const CLIENT_APP_TYPES = ['browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other'] as const;
export const PLATFORMS = ['windows', 'macOS', 'iOS', 'android', 'linux', 'windowsPhone', 'unknown'] as const;
export const RISK_LEVELS = ['none', 'low', 'medium', 'high'] as const;

export const UNTRUSTED_ELSEWHERE = 'untrusted elsewhere';
export const TRUSTED_ELSEWHERE = 'trusted elsewhere';
export const OTHER_APPS = 'other apps';

/** The app groups Conditional Access accepts in place of app ids, by lower-case keyword. */
export const APP_GROUPS = {
  office365: { keyword: 'Office365', words: 'Office 365', phrase: 'to an Office 365 app' },
  microsoftadminportals: { keyword: 'MicrosoftAdminPortals', words: 'Microsoft Admin Portals', phrase: 'to a Microsoft admin portal' },
} as const;
export type AppGroup = keyof typeof APP_GROUPS;
const GROUP_KEYS = Object.keys(APP_GROUPS) as AppGroup[];

/**
 * Well-known first-party apps: a name for the cards, and the app groups each is documented to belong
 * to. Ids: https://learn.microsoft.com/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in
 * Office 365 members: https://learn.microsoft.com/entra/identity/conditional-access/reference-office-365-application-contents
 * An app whose membership of a group is not listed here may or may not belong to it: the engine then
 * never counts it as included by the group, and always counts it as excluded by it.
 */
export const WELL_KNOWN_APPS: Readonly<Record<string, { name: string; groups: readonly AppGroup[] }>> = {
  '00000002-0000-0ff1-ce00-000000000000': { name: 'Exchange Online', groups: ['office365'] },
  '00000003-0000-0ff1-ce00-000000000000': { name: 'SharePoint Online', groups: ['office365'] },
  'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe': { name: 'Microsoft Teams', groups: ['office365'] },
  '797f4846-ba00-4fd7-ba43-dac1f8f63013': { name: 'Windows Azure Service Management API', groups: [] },
};

/** One atom: how the JSON counterexample writes it and how a sentence says it. */
export interface Atom {
  /** The value in `unprotectedSignIn`. */
  label: string;
  /** Completes "can sign in …": "with Exchange ActiveSync (the iPhone Mail app)". */
  phrase: string;
  /** In a list of several: "legacy clients", "trusted locations". */
  words: string;
}

export type Trust = 'trusted' | 'untrusted' | 'unknown';

/** A named location as Graph returns it (ipNamedLocation or countryNamedLocation); only trust is read. */
export interface NamedLocationInput {
  id?: string;
  displayName?: string | null;
  '@odata.type'?: string;
  isTrusted?: boolean | null;
  countriesAndRegions?: unknown;
}

/** The atoms of every dimension, and what the location and application atoms stand for. */
export interface SignInSpace {
  atoms: readonly (readonly Atom[])[];
  /** Every atom of every dimension: the whole space. */
  full: Box;
  /** Trust of each location atom, by atom index. */
  locationTrust: readonly Trust[];
  /** Location atom index by lower-case named location id. */
  locationIndex: ReadonlyMap<string, number>;
  /** Application atom index by lower-case app id (or unknown keyword). */
  applicationIndex: ReadonlyMap<string, number>;
  /** For each application atom, whether it belongs to each app group any policy names. */
  applicationGroups: readonly Readonly<Record<AppGroup, 'yes' | 'no' | 'maybe'>>[];
  /** The app groups some policy names. */
  namedGroups: readonly AppGroup[];
}

export const bit = (i: number): AtomSet => 1n << BigInt(i);
export const allOf = (n: number): AtomSet => (1n << BigInt(n)) - 1n;

/** Indices of the atoms in a set, lowest first. */
export function members(set: AtomSet): number[] {
  const out: number[] = [];
  for (let i = 0, s = set; s > 0n; i += 1, s >>= 1n) if (s & 1n) out.push(i);
  return out;
}

/** How many atoms a set holds, 32 bits at a time (a policy naming hundreds of apps makes wide sets). */
export function count(set: AtomSet): number {
  let n = 0;
  for (let s = set; s > 0n; s >>= 32n) {
    let w = Number(s & 0xffffffffn);
    w -= (w >>> 1) & 0x55555555;
    w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
    n += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}

/** The index of the lowest atom in a non-empty set. */
export function lowest(set: AtomSet): number {
  let i = 0;
  for (let s = set; (s & 1n) === 0n; s >>= 1n) i += 1;
  return i;
}

export function boxIsEmpty(box: Box): boolean {
  return box.some((set) => set === 0n);
}

export function intersects(a: Box, b: Box): boolean {
  for (let d = 0; d < a.length; d += 1) if (((a[d] as AtomSet) & (b[d] as AtomSet)) === 0n) return false;
  return true;
}

export function contains(outer: Box, inner: Box): boolean {
  for (let d = 0; d < inner.length; d += 1) if (((inner[d] as AtomSet) & ~(outer[d] as AtomSet)) !== 0n) return false;
  return true;
}

export function withDimension(box: Box, d: number, set: AtomSet): AtomSet[] {
  const out = [...box];
  out[d] = set;
  return out;
}

const lower = (s: string): string => s.toLowerCase();
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

const CLIENT_APP_ATOMS: readonly Atom[] = [
  { label: 'browser', phrase: 'with a web browser', words: 'browsers' },
  { label: 'mobileAppsAndDesktopClients', phrase: 'with a mobile or desktop app', words: 'mobile and desktop apps' },
  { label: 'exchangeActiveSync', phrase: 'with Exchange ActiveSync (the iPhone Mail app)', words: 'Exchange ActiveSync' },
  { label: 'other', phrase: 'with a legacy client (IMAP, POP or SMTP)', words: 'other legacy clients' },
];

const PLATFORM_NAMES: Readonly<Record<(typeof PLATFORMS)[number], string>> = {
  windows: 'Windows', macOS: 'macOS', iOS: 'iOS', android: 'Android', linux: 'Linux', windowsPhone: 'Windows Phone', unknown: 'an unknown platform',
};
const PLATFORM_ATOMS: readonly Atom[] = PLATFORMS.map((p) => ({
  label: p,
  phrase: p === 'unknown' ? 'from a device of unknown platform' : `on ${PLATFORM_NAMES[p]}`,
  words: p === 'unknown' ? 'unknown platforms' : PLATFORM_NAMES[p],
}));

const riskAtoms = (kind: string): Atom[] => RISK_LEVELS.map((r) => ({
  label: r,
  phrase: r === 'none' ? `with no ${kind} risk` : `at ${r} ${kind} risk`,
  words: r,
}));

/** The trust of a named location: countries cannot be marked trusted, IP ranges say so themselves. */
export function trustOf(location: NamedLocationInput | undefined): Trust {
  if (!location) return 'unknown';
  // https://learn.microsoft.com/entra/identity/conditional-access/concept-assignment-network
  if ((location['@odata.type'] ?? '').toLowerCase().includes('countrynamedlocation') || location.countriesAndRegions !== undefined) return 'untrusted';
  return typeof location.isTrusted === 'boolean' ? (location.isTrusted ? 'trusted' : 'untrusted') : 'unknown';
}

/**
 * Per dimension, the atoms that stand for everything no policy names ("untrusted elsewhere" and
 * "trusted elsewhere", "other apps"): buildSignInSpace puts them first.
 */
export const GENERIC_ATOMS: Readonly<Record<number, AtomSet>> = { [LOCATION]: 0b11n, [APPLICATION]: 0b1n };

const LOCATION_KEYWORDS = new Set(['all', 'alltrusted']);
const APP_KEYWORDS = new Set(['all', 'none']);

/** A condition object, or nothing when absent or written as something else (an exporter's `[]`). */
export function conditionObject(value: unknown): Record<string, unknown> | null {
  return isObject(value) ? value : null;
}

/**
 * Builds the space for a set of policies: the fixed dimensions, plus one location atom per named
 * location and one application atom per app any policy mentions, so each policy's condition is a
 * union of atoms.
 */
export function buildSignInSpace(policies: readonly ConditionalAccessPolicy[], namedLocations: readonly NamedLocationInput[] = []): SignInSpace {
  const named = namedInPolicies(policies);
  const locations = locationDimension(named.locationIds, namedLocations);
  const applications = applicationDimension(named.appIds, named.groups);
  const atoms = [CLIENT_APP_ATOMS, PLATFORM_ATOMS, locations.atoms, applications.atoms, riskAtoms('sign-in'), riskAtoms('user')];
  return {
    atoms,
    full: atoms.map((a) => allOf(a.length)),
    locationTrust: locations.trust,
    locationIndex: locations.index,
    applicationIndex: applications.index,
    applicationGroups: applications.groups,
    namedGroups: applications.namedGroups,
  };
}

/** Every named location, app and app group any policy includes or excludes. */
function namedInPolicies(policies: readonly ConditionalAccessPolicy[]): { locationIds: Set<string>; appIds: Set<string>; groups: Set<AppGroup> } {
  const locationIds = new Set<string>();
  const appIds = new Set<string>();
  const groups = new Set<AppGroup>();
  for (const policy of policies) {
    const conditions = conditionObject(policy.conditions) ?? {};
    const locations = conditionObject(conditions.locations);
    for (const id of [...strings(locations?.includeLocations), ...strings(locations?.excludeLocations)]) {
      if (!LOCATION_KEYWORDS.has(lower(id))) locationIds.add(lower(id));
    }
    const apps = conditionObject(conditions.applications);
    for (const id of [...strings(apps?.includeApplications), ...strings(apps?.excludeApplications)]) {
      const key = lower(id);
      if (key in APP_GROUPS) groups.add(key as AppGroup);
      else if (!APP_KEYWORDS.has(key)) appIds.add(key);
    }
  }
  return { locationIds, appIds, groups };
}

/** Untrusted and trusted "elsewhere", then one atom per named location a policy mentions. */
function locationDimension(locationIds: ReadonlySet<string>, namedLocations: readonly NamedLocationInput[]): { atoms: Atom[]; trust: Trust[]; index: Map<string, number> } {
  const byId = new Map(namedLocations.filter((l) => typeof l.id === 'string').map((l) => [lower(l.id as string), l]));
  const atoms: Atom[] = [
    { label: UNTRUSTED_ELSEWHERE, phrase: 'from an untrusted location', words: 'untrusted locations' },
    { label: TRUSTED_ELSEWHERE, phrase: 'from a trusted location', words: 'trusted locations' },
  ];
  const trust: Trust[] = ['untrusted', 'trusted'];
  const index = new Map<string, number>();
  for (const id of [...locationIds].sort()) {
    const known = byId.get(id);
    const name = known?.displayName ? `"${known.displayName}"` : `named location ${id}`;
    index.set(id, atoms.length);
    atoms.push({ label: id, phrase: `from ${name}`, words: name });
    trust.push(trustOf(known));
  }
  return { atoms, trust, index };
}

type GroupMembership = Record<AppGroup, 'yes' | 'no' | 'maybe'>;

/**
 * The apps no policy names, split by which of the named app groups they belong to (every subset),
 * then one atom per app a policy names.
 */
function applicationDimension(appIds: ReadonlySet<string>, groups: ReadonlySet<AppGroup>): { atoms: Atom[]; groups: GroupMembership[]; index: Map<string, number>; namedGroups: AppGroup[] } {
  const namedGroups = GROUP_KEYS.filter((g) => groups.has(g));
  const atoms: Atom[] = [];
  const membership: GroupMembership[] = [];
  for (let mask = 0; mask < 1 << namedGroups.length; mask += 1) {
    const inGroups = namedGroups.filter((_, i) => (mask & (1 << i)) !== 0);
    membership.push(Object.fromEntries(GROUP_KEYS.map((g) => [g, inGroups.includes(g) ? 'yes' : 'no'])) as GroupMembership);
    if (inGroups.length === 0) atoms.push({ label: OTHER_APPS, phrase: 'to an app no policy names', words: 'other apps' });
    else if (inGroups.length === 1) {
      const group = APP_GROUPS[inGroups[0] as AppGroup];
      atoms.push({ label: group.keyword, phrase: group.phrase, words: group.words });
    } else {
      const names = inGroups.map((g) => APP_GROUPS[g].words);
      atoms.push({ label: inGroups.map((g) => APP_GROUPS[g].keyword).join('+'), phrase: `to an app in both ${listWords(names)}`, words: `apps in both ${listWords(names)}` });
    }
  }
  const index = new Map<string, number>();
  for (const id of [...appIds].sort()) {
    const known = WELL_KNOWN_APPS[id];
    index.set(id, atoms.length);
    atoms.push({ label: id, phrase: `to ${known?.name ?? `app ${id}`}`, words: known?.name ?? `app ${id}` });
    membership.push(Object.fromEntries(GROUP_KEYS.map((g) => [g, known?.groups.includes(g) ? 'yes' : 'maybe'])) as GroupMembership);
  }
  return { atoms, groups: membership, index, namedGroups };
}

/**
 * The location atoms a list of condition values selects. `include` under-approximates and `exclude`
 * over-approximates where trust is unknown, so a doubt never turns into coverage.
 * Returns the set and the values that name nothing MfaBot knows.
 */
export function locationSet(space: SignInSpace, values: readonly string[], mode: 'include' | 'exclude'): { set: AtomSet; unknown: string[] } {
  let set = 0n;
  const unknown: string[] = [];
  for (const value of values) {
    const key = lower(value);
    if (key === 'all') set |= space.full[LOCATION] as AtomSet;
    else if (key === 'alltrusted') {
      space.locationTrust.forEach((trust, i) => {
        if (trust === 'trusted' || (mode === 'exclude' && trust === 'unknown')) set |= bit(i);
      });
    } else {
      const index = space.locationIndex.get(key);
      if (index === undefined) unknown.push(value);
      else set |= bit(index);
    }
  }
  return { set, unknown };
}

/**
 * The application atoms a list of condition values selects, app groups overlapping their member apps.
 * As for locations, a membership that is not documented counts against coverage either way.
 */
export function applicationSet(space: SignInSpace, values: readonly string[], mode: 'include' | 'exclude'): { set: AtomSet; unknown: string[] } {
  let set = 0n;
  const unknown: string[] = [];
  for (const value of values) {
    const key = lower(value);
    if (key === 'all') set |= space.full[APPLICATION] as AtomSet;
    else if (key === 'none') continue;
    else if (key in APP_GROUPS) {
      space.applicationGroups.forEach((membership, i) => {
        const member = membership[key as AppGroup];
        if (member === 'yes' || (mode === 'exclude' && member === 'maybe')) set |= bit(i);
      });
    } else {
      const index = space.applicationIndex.get(key);
      if (index === undefined) unknown.push(value);
      else set |= bit(index);
    }
  }
  return { set, unknown };
}

/** Words for a set of atoms of one dimension, naming well-known combinations as people do. */
export function setWords(space: SignInSpace, d: number, set: AtomSet): string {
  const atoms = space.atoms[d] as readonly Atom[];
  const indices = members(set);
  if (d === CLIENT_APP) {
    const key = indices.join(',');
    if (key === '0,1') return 'browsers and modern clients';
    if (key === '2,3') return 'legacy clients';
  }
  if (d === SIGN_IN_RISK || d === USER_RISK) return `${listWords(indices.map((i) => (atoms[i] as Atom).words), 'or')} ${d === SIGN_IN_RISK ? 'sign-in' : 'user'} risk`;
  return listWords(indices.map((i) => (atoms[i] as Atom).words));
}

/** A sign-in that no policy protects, as `unprotectedSignIn` writes it (human atom names). */
export interface UnprotectedSignIn {
  clientAppType: string;
  platform: string;
  location: string;
  /** An app id, an app group keyword, "other apps", or "All" when no app would be protected. */
  application: string;
  signInRisk: string;
  userRisk: string;
}
