/**
 * Large synthetic tenants, deterministic by seed: N users of whom exactly M are admins in the
 * template scope (README, "Who counts as an admin?"), with PIM eligibility, role-assignable groups, unregistered and
 * unknown admins, two break-glass accounts, a service-account exclusion group, hundreds of CA
 * policies (a handful about admins, all with gaps) and Entra ID P2.
 */
import { ROLE, ROLE_LISTS } from '../domain/roles';
import { BUILT_IN_STRENGTH, MFABOT_TEAMS_APP_EXTERNAL_ID, PLAN, defaultAuthenticationStrengths, defaultRoleDefinitions } from './defaults';
import type {
  FixtureGroup, FixturePolicy, FixtureRegistration, FixtureRoleAssignment, FixtureRoleEligibility, FixtureUser, TenantFixture,
} from './fixture';

export interface GenerateOptions {
  /** Total users, admins included. */
  users: number;
  /** Users holding a template-scope role (break-glass accounts included). */
  admins: number;
  seed: number;
  /** Share of admins who are only PIM-eligible (default 0.1). */
  eligibleShare?: number;
  /** Share of admins who hold their role only through a role-assignable group (default 0.05). */
  groupShare?: number;
  /** Share of admins not registered for MFA (default 0.2). */
  unregisteredShare?: number;
  /** Number of CA policies (default 300). */
  policies?: number;
}

const HEX_CODES = [...'0123456789abcdef'].map((ch) => ch.charCodeAt(0));
/** The character codes of the GUID being built: 32 digits, and the 4 dashes (45) that stay. */
const GUID_CODES: number[] = new Array<number>(36).fill(45);
/** Dashes before hex digit `digit` (0-31) in `8-4-4-4-12`. */
const DASHES_BEFORE = (digit: number): number => (digit >= 20 ? 4 : digit >= 16 ? 3 : digit >= 12 ? 2 : digit >= 8 ? 1 : 0);

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same tenant, or replays a failing property test. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }
  /**
   * A version-4-shaped GUID from the stream: 32 hex digits from four draws, the 13th set to 4 and
   * the 17th to the variant. Built as one flat string: a million users' ids pieced together from
   * slices would each keep a tree of string fragments alive.
   */
  guid(): string {
    const words = [0, 0, 0, 0].map(() => Math.floor(this.next() * 2 ** 32) >>> 0);
    for (let digit = 0; digit < 32; digit++) {
      let nibble = ((words[digit >> 3] as number) >>> (28 - 4 * (digit & 7))) & 0xf;
      if (digit === 12) nibble = 4;
      else if (digit === 16) nibble = (nibble & 0x3) | 0x8;
      GUID_CODES[digit + DASHES_BEFORE(digit)] = HEX_CODES[nibble] as number;
    }
    return String.fromCharCode(...GUID_CODES);
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

const FIRST = ['Ava', 'Ben', 'Chloe', 'Daniel', 'Elif', 'Farah', 'Gabriel', 'Hana', 'Ivan', 'Julia', 'Kenji', 'Lena', 'Marco', 'Nadia',
  'Omar', 'Paula', 'Quinn', 'Rosa', 'Samir', 'Tara', 'Uma', 'Victor', 'Wen', 'Ximena', 'Yusuf', 'Zoe', 'Aaron', 'Bea', 'Carlos', 'Dina',
  'Emil', 'Fatima', 'Greg', 'Helga', 'Isaac', 'Jana', 'Kwame', 'Lucia', 'Mei', 'Nils', 'Olga', 'Pedro', 'Ravi', 'Sofia', 'Tomas', 'Vera'];
const LAST = ['Andersen', 'Brooks', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hansen', 'Ito', 'Jensen', 'Khan', 'Larsen',
  'Moreau', 'Nguyen', 'Okafor', 'Patel', 'Quist', 'Rossi', 'Schmidt', 'Tanaka', 'Usman', 'Varga', 'Weber', 'Xu', 'Yilmaz', 'Zhang',
  'Alvarez', 'Becker', 'Cohen', 'Diaz', 'Evans', 'Fournier', 'Gomez', 'Horvat', 'Ibrahim', 'Jovanovic', 'Kowalski', 'Lopez', 'Meyer'];

/** Realistic spread: few Global Administrators, many Helpdesk and User Administrators. */
const ROLE_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  [ROLE.globalAdministrator, 1], [ROLE.privilegedRoleAdministrator, 1.5], [ROLE.privilegedAuthenticationAdministrator, 1.5],
  [ROLE.securityAdministrator, 5], [ROLE.conditionalAccessAdministrator, 3], [ROLE.applicationAdministrator, 6],
  [ROLE.cloudApplicationAdministrator, 5], [ROLE.userAdministrator, 14], [ROLE.exchangeAdministrator, 9],
  [ROLE.sharePointAdministrator, 7], [ROLE.authenticationAdministrator, 8], [ROLE.helpdeskAdministrator, 24],
  [ROLE.passwordAdministrator, 8], [ROLE.billingAdministrator, 6],
];
const TOTAL_WEIGHT = ROLE_WEIGHTS.reduce((s, [, w]) => s + w, 0);
const TEMPLATE = ROLE_LISTS.template ?? [];
const AZURE_MANAGEMENT_APP = '797f4846-ba00-4fd7-ba43-dac1f8f63013';
const STAMP = '2026-01-01T00:00:00Z';

function pickRole(rnd: Random): string {
  let x = rnd.float() * TOTAL_WEIGHT;
  for (const [role, weight] of ROLE_WEIGHTS) {
    x -= weight;
    if (x < 0) return role;
  }
  return ROLE.helpdeskAdministrator;
}

function share(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1`);
  return v;
}

/**
 * The lists a generated row holds, one frozen copy each, shared by every row alike (a million rows
 * need not carry a million copies); the simulator replaces a row's list rather than changing it.
 */
const METHODS = {
  registered: Object.freeze(['microsoftAuthenticatorPush', 'softwareOneTimePasscode']),
  fido2: Object.freeze(['fido2']),
  none: Object.freeze([] as string[]),
  push: Object.freeze(['push']),
} as const;

function registration(user: FixtureUser, state: 'registered' | 'unregistered' | 'fido2'): FixtureRegistration {
  const registered = state !== 'unregistered';
  const methods = state === 'fido2' ? METHODS.fido2 : registered ? METHODS.registered : METHODS.none;
  return {
    id: user.id, userPrincipalName: user.userPrincipalName, userDisplayName: user.displayName, userType: 'member',
    isMfaRegistered: registered, isMfaCapable: registered, isPasswordlessCapable: state === 'fido2',
    isSsprRegistered: state === 'registered', isSsprEnabled: true, isSsprCapable: state === 'registered',
    isSystemPreferredAuthenticationMethodEnabled: true, methodsRegistered: methods as string[],
    systemPreferredAuthenticationMethods: (state === 'registered' ? METHODS.push : METHODS.none) as string[],
    userPreferredMethodForSecondaryAuthentication: state === 'registered' ? 'push' : '', lastUpdatedDateTime: STAMP,
  };
}

function policy(
  id: string, displayName: string, state: FixturePolicy['state'],
  users: Record<string, string[]>, apps: string[], grant: Record<string, unknown> | null, extra: Record<string, unknown> = {},
): FixturePolicy {
  return {
    id, displayName, state, createdDateTime: STAMP, modifiedDateTime: null,
    conditions: { clientAppTypes: ['all'], applications: { includeApplications: apps, excludeApplications: [] }, users, ...extra },
    grantControls: grant, sessionControls: null,
  };
}

interface People {
  users: FixtureUser[];
  breakGlass: FixtureUser[];
  serviceAccounts: FixtureUser[];
}

/** Every user, the first two of them break-glass accounts and the two after the admins service accounts. */
function makePeople(rnd: Random, userCount: number, adminCount: number, domain: string): People {
  const users: FixtureUser[] = new Array<FixtureUser>(userCount);
  // Names repeat (a few thousand pairs): one string each. The UPN is also the mail: one string too.
  const names = new Map<string, string>();
  for (let i = 0; i < userCount; i++) {
    const first = rnd.pick(FIRST);
    const last = rnd.pick(LAST);
    const pair = `${first} ${last}`;
    const displayName = names.get(pair) ?? (names.set(pair, pair), pair);
    const upn = `${first}.${last}${i}@${domain}`.toLowerCase();
    users[i] = {
      id: rnd.guid(), userPrincipalName: upn, displayName, givenName: first, surname: last,
      mail: upn, accountEnabled: true, userType: 'Member',
    };
  }
  const breakGlass = users.slice(0, Math.min(2, adminCount));
  breakGlass.forEach((u, i) => {
    const local = `emergency-access-0${i + 1}`;
    Object.assign(u, { userPrincipalName: `${local}@${domain}`, displayName: `Emergency Access 0${i + 1}`, mail: null, givenName: null, surname: null });
  });
  const serviceAccounts = userCount - adminCount >= 2 ? users.slice(adminCount, adminCount + 2) : [];
  serviceAccounts.forEach((u, i) => {
    const local = `svc-account-0${i + 1}`;
    Object.assign(u, { userPrincipalName: `${local}@${domain}`, displayName: local, mail: null, givenName: null, surname: null });
  });
  return { users, breakGlass, serviceAccounts };
}

interface Roles {
  roleAssignments: FixtureRoleAssignment[];
  roleEligibilitySchedules: FixtureRoleEligibility[];
  /** Admins other than break-glass, in the order their registrations are decided. */
  others: FixtureUser[];
  viaGroup: FixtureUser[];
  eligibility(principalId: string, roleDefinitionId: string): FixtureRoleEligibility;
}

/** Admins: break-glass first, then the rest split into group-based, eligible-only and active. */
function assignRoles(rnd: Random, people: People, adminCount: number, shares: { eligible: number; group: number }): Roles {
  const roleAssignments: FixtureRoleAssignment[] = people.breakGlass.map((u) => ({ id: rnd.guid(), principalId: u.id, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/' }));
  const roleEligibilitySchedules: FixtureRoleEligibility[] = [];
  const others = rnd.shuffle(people.users.slice(people.breakGlass.length, adminCount));
  const viaGroup = others.slice(0, Math.round(others.length * shares.group));
  const eligibleOnly = others.slice(viaGroup.length, viaGroup.length + Math.round(others.length * shares.eligible));
  const active = others.slice(viaGroup.length + eligibleOnly.length);
  const eligibility = (principalId: string, roleDefinitionId: string): FixtureRoleEligibility => ({
    id: rnd.guid(), principalId, roleDefinitionId, directoryScopeId: '/', memberType: 'Direct',
    startDateTime: '2025-06-01T00:00:00Z', endDateTime: rnd.float() < 0.3 ? '2099-01-01T00:00:00Z' : null,
  });
  for (const u of active) {
    const role = pickRole(rnd);
    roleAssignments.push({ id: rnd.guid(), principalId: u.id, roleDefinitionId: role, directoryScopeId: '/' });
    if (rnd.float() < 0.05) roleEligibilitySchedules.push(eligibility(u.id, pickRole(rnd)));
  }
  for (const u of eligibleOnly) roleEligibilitySchedules.push(eligibility(u.id, pickRole(rnd)));
  return { roleAssignments, roleEligibilitySchedules, others, viaGroup, eligibility };
}

/** Role-assignable groups (one nested), the service accounts' exclusion group, and teams of plain users. */
function makeGroups(rnd: Random, people: People, roles: Roles, plainUsers: FixtureUser[], policyCount: number) {
  const groups: FixtureGroup[] = [];
  const group = (displayName: string, members: string[], isAssignableToRole: boolean): FixtureGroup => {
    const g: FixtureGroup = { id: rnd.guid(), displayName, description: null, mailEnabled: false, securityEnabled: true, groupTypes: [], isAssignableToRole, members };
    groups.push(g);
    return g;
  };
  const { viaGroup } = roles;
  const roleGroups = viaGroup.length === 0 ? 0 : Math.ceil(viaGroup.length / 25);
  for (let gi = 0; gi < roleGroups; gi++) {
    const members = viaGroup.filter((_, i) => i % roleGroups === gi).map((u) => u.id);
    const role = pickRole(rnd);
    if (gi === 0 && members.length >= 2) {
      // Nested (transitive) membership: part of the first group's admins sit in a plain group inside it.
      const nested = group('Tier0 contractors', members.splice(0, Math.min(3, members.length - 1)), false);
      members.push(nested.id);
    }
    const g = group(`Role group ${gi + 1}`, members, true);
    if (gi % 3 === 2) roles.roleEligibilitySchedules.push(roles.eligibility(g.id, role));
    else roles.roleAssignments.push({ id: rnd.guid(), principalId: g.id, roleDefinitionId: role, directoryScopeId: '/' });
  }
  const exclusionGroup = group('Service accounts - CA exclusion', people.serviceAccounts.map((u) => u.id), false);
  const unrelatedGroups = Array.from({ length: Math.min(200, Math.max(5, policyCount)) }, (_, i) =>
    group(`Team ${i + 1}`, plainUsers.length === 0 ? [] : Array.from(new Set(Array.from({ length: 1 + rnd.int(20) }, () => rnd.pick(plainUsers).id))), false));
  return { groups, exclusionGroup, unrelatedGroups };
}

/**
 * Registration: exact counts among admins; about a quarter of other users unregistered, a few disabled
 * without a row.
 */
function registrations(rnd: Random, people: People, roles: Roles, adminCount: number, unregisteredShare: number) {
  const rows: FixtureRegistration[] = [];
  for (const u of people.breakGlass) rows.push(registration(u, 'fido2'));
  const { others } = roles;
  const regOrder = rnd.shuffle(others.slice());
  const unknown = others.length >= 10 ? Math.max(1, Math.round(adminCount * 0.005)) : 0;
  const unregistered = Math.min(regOrder.length - unknown, Math.round(adminCount * unregisteredShare));
  regOrder.slice(unknown).forEach((u, i) => rows.push(registration(u, i < unregistered ? 'unregistered' : 'registered')));
  for (const u of people.users.slice(adminCount)) {
    if (rnd.float() < 0.002) {
      u.accountEnabled = false;
      continue;
    }
    rows.push(registration(u, rnd.float() < 0.25 || people.serviceAccounts.includes(u) ? 'unregistered' : 'registered'));
  }
  return { rows, unprotected: unregistered + unknown };
}

/** The admin policies of a real tenant (with their usual gaps), then policies about other things. */
function makePolicies(rnd: Random, people: People, exclusionGroupId: string, unrelatedGroups: FixtureGroup[], stray: string | undefined, policyCount: number): FixturePolicy[] {
  const bgIds = people.breakGlass.map((u) => u.id);
  const adminPolicies: FixturePolicy[] = [
    policy(rnd.guid(), 'Require MFA for admins (pilot)', 'enabledForReportingButNotEnforced', { includeRoles: [...TEMPLATE], excludeUsers: bgIds }, ['All'], { operator: 'OR', builtInControls: ['mfa'] }),
    policy(rnd.guid(), 'Require compliant device or MFA for admins', 'enabled', { includeRoles: [...TEMPLATE], excludeUsers: bgIds, excludeGroups: [exclusionGroupId] }, ['All'], { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] }),
    policy(rnd.guid(), 'Require MFA for Global Administrators', 'enabled', { includeRoles: [ROLE.globalAdministrator], excludeUsers: stray ? [...bgIds, stray] : bgIds }, ['All'], { operator: 'OR', builtInControls: ['mfa'] }),
    policy(rnd.guid(), 'Require MFA for Azure management', 'enabled', { includeUsers: ['All'], excludeUsers: bgIds }, [AZURE_MANAGEMENT_APP], { operator: 'OR', builtInControls: ['mfa'] }),
    policy(rnd.guid(), 'Phishing-resistant MFA for identity admins (browser only)', 'enabled', { includeRoles: [ROLE.privilegedRoleAdministrator, ROLE.privilegedAuthenticationAdministrator], excludeUsers: bgIds }, ['All'],
      { operator: 'OR', builtInControls: [], authenticationStrength: { id: BUILT_IN_STRENGTH.phishingResistantMfa } }, { clientAppTypes: ['browser'] }),
    policy(rnd.guid(), 'Block legacy authentication', 'enabled', { includeUsers: ['All'], excludeUsers: bgIds }, ['All'], { operator: 'OR', builtInControls: ['block'] }, { clientAppTypes: ['exchangeActiveSync', 'other'] }),
  ].slice(0, policyCount);
  const states: FixturePolicy['state'][] = ['enabled', 'enabled', 'enabled', 'disabled', 'enabledForReportingButNotEnforced'];
  const grants = [['compliantDevice'], ['mfa'], ['approvedApplication'], ['compliantApplication'], ['domainJoinedDevice']];
  const unrelatedPolicies = Array.from({ length: policyCount - adminPolicies.length }, (_, i) => {
    const target = rnd.pick(unrelatedGroups);
    const apps = rnd.float() < 0.3 ? ['Office365'] : [rnd.guid()];
    const extra = rnd.float() < 0.2 ? { platforms: { includePlatforms: ['android', 'iOS'], excludePlatforms: [] } } : {};
    return policy(rnd.guid(), `${target.displayName} - app policy ${i + 1}`, rnd.pick(states), { includeGroups: [target.id] }, apps,
      { operator: 'OR', builtInControls: rnd.pick(grants) }, extra);
  });
  return [...adminPolicies, ...unrelatedPolicies];
}

/** Licences, Secure Score and MfaBot in the app catalog: what every generated tenant has alike. */
function tenantExtras(rnd: Random, tenantId: string, userCount: number, adminCount: number, unprotected: number): Pick<TenantFixture, 'subscribedSkus' | 'secureScores' | 'secureScoreControlProfiles' | 'teamsApps'> {
  const adminScore = adminCount === 0 ? 10 : Math.round(((adminCount - unprotected) / adminCount) * 1000) / 100;
  return {
    subscribedSkus: [{
      id: `${tenantId}_06ebc4ee-1bb5-47dd-8120-11324bc54e06`, skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06', skuPartNumber: 'SPE_E5',
      capabilityStatus: 'Enabled', appliesTo: 'User', consumedUnits: userCount,
      prepaidUnits: { enabled: userCount + 100, lockedOut: 0, suspended: 0, warning: 0 },
      servicePlans: [
        { servicePlanId: PLAN.aadPremiumP1, servicePlanName: 'AAD_PREMIUM', provisioningStatus: 'Success', appliesTo: 'User' },
        { servicePlanId: PLAN.aadPremiumP2, servicePlanName: 'AAD_PREMIUM_P2', provisioningStatus: 'Success', appliesTo: 'User' },
      ],
    }],
    secureScores: [{
      id: `${tenantId}_2026-01-01`, createdDateTime: STAMP, currentScore: 52.3, maxScore: 88,
      controlScores: [{
        controlCategory: 'Identity', controlName: 'AdminMFAV2', description: null, score: adminScore, scoreInPercentage: adminScore * 10,
        implementationStatus: `You have ${unprotected} out of ${adminCount} users with administrative roles that aren't registered and protected with MFA.`,
        count: String(unprotected), total: String(adminCount), lastSynced: STAMP,
      }],
    }],
    secureScoreControlProfiles: [{ id: 'AdminMFAV2', title: 'Ensure multifactor authentication is enabled for all users in administrative roles', maxScore: 10, controlCategory: 'Identity' }],
    teamsApps: [{ id: rnd.guid(), externalId: MFABOT_TEAMS_APP_EXTERNAL_ID, displayName: 'MfaBot', distributionMethod: 'organization' }],
  };
}

/**
 * Builds a tenant. Deterministic: the same options give the same tenant. Admin totals (README, "Who counts as an admin?")
 * are exact: `admins` admins, of whom round(admins × unregisteredShare) are unregistered and
 * max(1, round(admins × 0.005)) have no registration row (when there are enough admins).
 */
export function generateTenant(opts: GenerateOptions): TenantFixture {
  const { users: userCount, admins: adminCount, seed } = opts;
  if (!Number.isInteger(userCount) || userCount < 0) throw new RangeError('users must be a whole number');
  if (!Number.isInteger(adminCount) || adminCount < 0 || adminCount > userCount) throw new RangeError('admins must be a whole number no larger than users');
  const shares = { eligible: share(opts.eligibleShare, 0.1, 'eligibleShare'), group: share(opts.groupShare, 0.05, 'groupShare') };
  const unregisteredShare = share(opts.unregisteredShare, 0.2, 'unregisteredShare');
  const policyCount = opts.policies ?? 300;
  // The order of the steps is part of the output: each draws from the same random sequence.
  const rnd = new Random(seed);
  const tenantId = rnd.guid();
  const people = makePeople(rnd, userCount, adminCount, `tenant${seed}.example`);
  const roles = assignRoles(rnd, people, adminCount, shares);
  const plainUsers = people.users.slice(adminCount + people.serviceAccounts.length);
  const { groups, exclusionGroup, unrelatedGroups } = makeGroups(rnd, people, roles, plainUsers, policyCount);
  const servicePrincipals = [
    { id: rnd.guid(), appId: rnd.guid(), displayName: 'Provisioning Connector' },
    { id: rnd.guid(), appId: rnd.guid(), displayName: 'Expense Reporting' },
  ];
  const [connector] = servicePrincipals;
  if (connector) roles.roleAssignments.push({ id: rnd.guid(), principalId: connector.id, roleDefinitionId: ROLE.applicationAdministrator, directoryScopeId: '/' });
  const registered = registrations(rnd, people, roles, adminCount, unregisteredShare);
  const conditionalAccessPolicies = makePolicies(rnd, people, exclusionGroup.id, unrelatedGroups, plainUsers[0]?.id, policyCount);
  return {
    organization: { id: tenantId, displayName: `Generated tenant ${seed}` },
    users: people.users,
    groups,
    servicePrincipals,
    roleDefinitions: defaultRoleDefinitions(),
    roleAssignments: roles.roleAssignments,
    roleEligibilitySchedules: roles.roleEligibilitySchedules,
    userRegistrationDetails: registered.rows,
    conditionalAccessPolicies,
    authenticationStrengthPolicies: defaultAuthenticationStrengths(),
    namedLocations: [],
    identitySecurityDefaultsEnforcementPolicy: { isEnabled: false },
    ...tenantExtras(rnd, tenantId, userCount, adminCount, registered.unprotected),
  };
}
