/**
 * The tenant fixture (README, "Tenant fixtures"): one JSON object whose collections have Graph v1.0's shapes.
 * Unknown top-level keys are errors; nested Graph objects keep extra properties (passthrough) so
 * a fixture can carry any Graph field the simulator should echo.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { policyShapeProblem } from '../domain/policyShape';
import { defaultAuthenticationStrengths, defaultRoleDefinitions, defaultSubscribedSkus } from './defaults';
import { decodeJsonText } from './util';

const id = z.string().min(1);
const dateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO-8601 date-time');

const organization = z.object({ id, displayName: z.string() }).passthrough();

const user = z.object({
  id,
  userPrincipalName: z.string().min(1),
  displayName: z.string(),
  /** Graph returns it only when selected, so exports of /users often lack it: an account is enabled unless it says otherwise. */
  accountEnabled: z.boolean().default(true),
  userType: z.enum(['Member', 'Guest']).nullable().optional(),
  mail: z.string().nullable().optional(),
}).passthrough();

const group = z.object({
  id,
  displayName: z.string(),
  description: z.string().nullable().optional(),
  securityEnabled: z.boolean().optional(),
  mailEnabled: z.boolean().optional(),
  isAssignableToRole: z.boolean().nullable().optional(),
  groupTypes: z.array(z.string()).optional(),
  /** Object ids of direct members: users, groups, service principals, or objects the fixture does not describe (devices, contacts), which are never served as users. Sim-only. */
  members: z.array(id).default([]),
}).passthrough();

const servicePrincipal = z.object({ id, appId: id, displayName: z.string() }).passthrough();

const roleDefinition = z.object({
  id,
  displayName: z.string(),
  description: z.string().nullable().default(null),
  isBuiltIn: z.boolean(),
  isEnabled: z.boolean().default(true),
  templateId: z.string().nullable(),
}).passthrough();

const roleAssignment = z.object({
  id,
  principalId: id,
  roleDefinitionId: id,
  directoryScopeId: z.string().default('/'),
  appScopeId: z.string().nullable().optional(),
}).passthrough();

/** Graph's ISO-8601 duration (`P365D`, `PT8H`) as used by `expiration.duration`. */
const duration = z.string().regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/, 'not an ISO-8601 duration');

/** When a schedule is in force, as Graph's roleEligibilitySchedule carries it (`requestSchedule`). */
const scheduleInfo = z.object({
  startDateTime: dateTime.nullable().optional(),
  expiration: z.object({
    type: z.enum(['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration']).optional(),
    endDateTime: dateTime.nullable().optional(),
    duration: duration.nullable().optional(),
  }).passthrough().nullable().optional(),
}).passthrough();

/**
 * A PIM eligibility. Both shapes Graph uses are accepted: the schedule's (`scheduleInfo` with its
 * `expiration`) and the instance's (`startDateTime` / `endDateTime` at the top level).
 */
const roleEligibilitySchedule = z.object({
  id,
  principalId: id,
  roleDefinitionId: id,
  directoryScopeId: z.string().default('/'),
  memberType: z.enum(['Direct', 'Group', 'Inherited']).optional(),
  startDateTime: dateTime.nullable().optional(),
  /** null or absent: permanent eligibility. */
  endDateTime: dateTime.nullable().optional(),
  scheduleInfo: scheduleInfo.nullable().optional(),
}).passthrough();

const authMethod = z.string();
const userRegistrationDetails = z.object({
  id,
  /** Default to the user's own (filled in once the users are known). */
  userPrincipalName: z.string().optional(),
  userDisplayName: z.string().optional(),
  userType: z.enum(['member', 'guest', 'unknownFutureValue']).default('member'),
  /** Ignored when served: the simulator computes it (active direct assignment of any role). */
  isAdmin: z.boolean().optional(),
  isMfaRegistered: z.boolean(),
  /** Defaults to isMfaRegistered when served. */
  isMfaCapable: z.boolean().optional(),
  isPasswordlessCapable: z.boolean().default(false),
  isSsprRegistered: z.boolean().default(false),
  isSsprEnabled: z.boolean().default(false),
  isSsprCapable: z.boolean().default(false),
  isSystemPreferredAuthenticationMethodEnabled: z.boolean().nullable().default(true),
  methodsRegistered: z.array(authMethod).default([]),
  systemPreferredAuthenticationMethods: z.array(z.string()).default([]),
  userPreferredMethodForSecondaryAuthentication: z.string().default(''),
  lastUpdatedDateTime: dateTime.default('2026-01-01T00:00:00Z'),
}).passthrough();

const conditionalAccessPolicy = z.object({
  id,
  displayName: z.string().min(1),
  description: z.string().nullable().optional(),
  state: z.enum(['enabled', 'disabled', 'enabledForReportingButNotEnforced']),
  createdDateTime: dateTime.nullable().optional(),
  modifiedDateTime: dateTime.nullable().optional(),
  templateId: z.string().nullable().optional(),
  conditions: z.object({}).passthrough(),
  grantControls: z.object({}).passthrough().nullable().optional(),
  sessionControls: z.object({}).passthrough().nullable().optional(),
}).passthrough().superRefine((policy, ctx) => {
  // The properties Conditional Access coverage reads must have Graph's types, or the policy could
  // not be judged at all.
  const problem = policyShapeProblem(policy);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `policy ${problem}` });
});

const authenticationStrengthPolicy = z.object({
  id,
  displayName: z.string(),
  description: z.string().nullable().optional(),
  policyType: z.enum(['builtIn', 'custom', 'unknownFutureValue']),
  requirementsSatisfied: z.enum(['none', 'mfa', 'unknownFutureValue']),
  allowedCombinations: z.array(z.string()).default([]),
  createdDateTime: dateTime.optional(),
  modifiedDateTime: dateTime.optional(),
}).passthrough();

const securityDefaults = z.object({
  isEnabled: z.boolean(),
  displayName: z.string().optional(),
  description: z.string().optional(),
}).passthrough();

const servicePlan = z.object({
  servicePlanId: id,
  servicePlanName: z.string(),
  provisioningStatus: z.enum(['Success', 'Disabled', 'Error', 'PendingInput', 'PendingActivation', 'PendingProvisioning']),
  appliesTo: z.string().optional(),
}).passthrough();

const subscribedSku = z.object({
  id,
  skuId: id,
  skuPartNumber: z.string(),
  capabilityStatus: z.enum(['Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut']),
  appliesTo: z.string().optional(),
  consumedUnits: z.number().int().default(0),
  prepaidUnits: z.object({
    enabled: z.number().int(),
    lockedOut: z.number().int().default(0),
    suspended: z.number().int().default(0),
    warning: z.number().int().default(0),
  }).passthrough(),
  servicePlans: z.array(servicePlan),
}).passthrough();

const controlScore = z.object({
  controlName: z.string(),
  controlCategory: z.string().optional(),
  description: z.string().nullable().optional(),
  score: z.number(),
}).passthrough();

const secureScore = z.object({
  id,
  createdDateTime: dateTime,
  currentScore: z.number(),
  maxScore: z.number(),
  controlScores: z.array(controlScore).default([]),
}).passthrough();

const secureScoreControlProfile = z.object({ id, maxScore: z.number(), title: z.string().optional() }).passthrough();

const appliedPolicy = z.object({
  id,
  displayName: z.string().optional(),
  result: z.string(),
  enforcedGrantControls: z.array(z.string()).default([]),
  enforcedSessionControls: z.array(z.string()).default([]),
}).passthrough();

const signIn = z.object({
  id,
  createdDateTime: dateTime,
  userId: id,
  userPrincipalName: z.string().optional(),
  appDisplayName: z.string().optional(),
  conditionalAccessStatus: z.string().optional(),
  status: z.object({ errorCode: z.number().int() }).passthrough().optional(),
  appliedConditionalAccessPolicies: z.array(appliedPolicy).default([]),
}).passthrough();

/** An IP range of an ipNamedLocation: Graph's iPv4CidrRange or iPv6CidrRange. */
const ipRange = z.object({
  '@odata.type': z.enum(['#microsoft.graph.iPv4CidrRange', '#microsoft.graph.iPv6CidrRange']),
  cidrAddress: z.string().min(1),
}).strict();

const namedLocationBase = {
  id,
  displayName: z.string().min(1),
  createdDateTime: dateTime.nullable().optional(),
  modifiedDateTime: dateTime.nullable().optional(),
};

/**
 * A Conditional Access named location, as Graph serves it: an IP range location (which may be marked
 * trusted) or a countries location (which cannot be). Strict: a property Graph does not have would be
 * served as if it did (learn.microsoft.com/graph/api/resources/namedlocation).
 */
const namedLocation = z.discriminatedUnion('@odata.type', [
  z.object({
    '@odata.type': z.literal('#microsoft.graph.ipNamedLocation'),
    ...namedLocationBase,
    isTrusted: z.boolean().default(false),
    ipRanges: z.array(ipRange).min(1),
  }).strict(),
  z.object({
    '@odata.type': z.literal('#microsoft.graph.countryNamedLocation'),
    ...namedLocationBase,
    countriesAndRegions: z.array(z.string().regex(/^[A-Z]{2}$/, 'not a two-letter country code')),
    includeUnknownCountriesAndRegions: z.boolean().default(false),
    countryLookupMethod: z.enum(['clientIpAddress', 'authenticatorAppGps']).default('clientIpAddress'),
  }).strict(),
]);

/** The kinds of rule a role management policy holds (learn.microsoft.com/graph/api/resources/unifiedrolemanagementpolicyrule). */
export const PIM_RULE_TYPES = [
  '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
  '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule',
  '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
  '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
  '#microsoft.graph.unifiedRoleManagementPolicyNotificationRule',
] as const;

const pimRuleTarget = z.object({
  caller: z.string().nullable().optional(),
  operations: z.array(z.string()).nullable().optional(),
  level: z.string().nullable().optional(),
  inheritableSettings: z.array(z.string()).nullable().optional(),
  enforcedSettings: z.array(z.string()).nullable().optional(),
}).passthrough();

/** One rule of a PIM policy, Graph-shaped; the properties MfaBot reads must have Graph's types. */
const pimRule = z.object({
  '@odata.type': z.enum(PIM_RULE_TYPES),
  id,
  target: pimRuleTarget.nullable().optional(),
  enabledRules: z.array(z.string()).nullable().optional(),
  isEnabled: z.boolean().nullable().optional(),
  claimValue: z.string().nullable().optional(),
}).passthrough();

/**
 * A PIM policy (role settings) as Graph serves it, with its rules. A rule the fixture leaves out
 * keeps Microsoft's default (src/sim/pim.ts).
 */
const roleManagementPolicy = z.object({
  id,
  displayName: z.string().default('DirectoryRole'),
  description: z.string().default('DirectoryRole'),
  isOrganizationDefault: z.boolean().nullable().default(false),
  scopeId: z.literal('/').default('/'),
  scopeType: z.enum(['Directory', 'DirectoryRole']).default('DirectoryRole'),
  lastModifiedDateTime: dateTime.nullable().default(null),
  lastModifiedBy: z.object({ displayName: z.string().nullable().optional(), id: z.string().nullable().optional() }).passthrough().nullable().default(null),
  rules: z.array(pimRule).default([]),
}).passthrough();

/** Which policy holds the settings of which directory role (tenant-wide scope only). */
const roleManagementPolicyAssignment = z.object({
  /** Graph's id is the policy id and the role id joined by `_`; filled in when left out. */
  id: id.optional(),
  policyId: id,
  roleDefinitionId: id,
  scopeId: z.literal('/').default('/'),
  scopeType: z.enum(['Directory', 'DirectoryRole']).default('DirectoryRole'),
}).passthrough();

const teamsApp = z.object({
  id,
  externalId: z.string().nullable(),
  displayName: z.string(),
  distributionMethod: z.enum(['store', 'organization', 'sideloaded']).optional(),
  /** Bot id used to build the 1:1 chat id; defaults to externalId. Sim-only. */
  botId: z.string().optional(),
  /** Users whose Teams app permission policy blocks this app: installing it for them is refused (403). Sim-only. */
  blockedFor: z.array(id).optional(),
}).passthrough();

/** The fixture's items, then every built-in item whose id (any letter case) it does not have. */
function withBuiltIns<T extends { id: string }, B extends { id: string }>(items: T[], builtIns: B[]): Array<T | B> {
  const have = new Set(items.map((i) => i.id.toLowerCase()));
  return [...items, ...builtIns.filter((b) => !have.has(b.id.toLowerCase()))];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const TOP_LEVEL = {
  organization,
  users: z.array(user),
  groups: z.array(group).default([]),
  servicePrincipals: z.array(servicePrincipal).default([]),
  // Built-in roles and authentication strengths exist in every tenant: a fixture that lists some
  // (say, one custom role) keeps the built-in ones it did not list.
  roleDefinitions: z.array(roleDefinition).default([]).transform((defs) => withBuiltIns(defs, defaultRoleDefinitions())),
  roleAssignments: z.array(roleAssignment).default([]),
  roleEligibilitySchedules: z.array(roleEligibilitySchedule).default([]),
  userRegistrationDetails: z.array(userRegistrationDetails).default([]),
  conditionalAccessPolicies: z.array(conditionalAccessPolicy).default([]),
  authenticationStrengthPolicies: z.array(authenticationStrengthPolicy).default([])
    .transform((strengths) => withBuiltIns(strengths, defaultAuthenticationStrengths())),
  // Left out: security defaults off and an Entra ID P2 licence, the tenant MfaBot is built for.
  // Listed (even as []), they are taken as written: `subscribedSkus: []` is a Free tenant.
  identitySecurityDefaultsEnforcementPolicy: securityDefaults.default({ isEnabled: false }),
  subscribedSkus: z.array(subscribedSku).optional().transform((skus) => skus ?? subscribedSku.array().parse(defaultSubscribedSkus())),
  secureScores: z.array(secureScore).optional(),
  secureScoreControlProfiles: z.array(secureScoreControlProfile).optional(),
  signIns: z.array(signIn).optional(),
  /** Conditional Access named locations; left out, the tenant has none. */
  namedLocations: z.array(namedLocation).default([]),
  /** PIM role settings; left out, every role has Microsoft's defaults for a new tenant (src/sim/pim.ts). */
  roleManagementPolicies: z.array(roleManagementPolicy).optional(),
  roleManagementPolicyAssignments: z.array(roleManagementPolicyAssignment).optional(),
  teamsApps: z.array(teamsApp).optional(),
  /** userId → catalog ids of the Teams apps installed in the user's personal scope. */
  userInstalledApps: z.record(z.string(), z.array(id)).optional(),
};

const tenantShape = z.object(TOP_LEVEL).strict();

type Shape = z.output<typeof tenantShape>;

/**
 * Cross-references a JSON schema cannot express: unique ids and ids that point somewhere. Object ids
 * are GUIDs, which Graph compares whatever their letter case, so these checks do too.
 */
function checkReferences(t: Shape, ctx: z.RefinementCtx): void {
  const problem = (path: (string | number)[], message: string): void => {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
  };
  const unique = (key: string, items: ReadonlyArray<{ id: string }>, seen = new Set<string>()): Set<string> => {
    items.forEach((item, i) => {
      if (seen.has(item.id.toLowerCase())) problem([key, i, 'id'], `duplicate id '${item.id}'`);
      seen.add(item.id.toLowerCase());
    });
    return seen;
  };
  // Users, groups and service principals share one object id space.
  const directory = unique('users', t.users);
  unique('groups', t.groups, directory);
  unique('servicePrincipals', t.servicePrincipals, directory);
  const userIds = new Set(t.users.map((u) => u.id.toLowerCase()));
  const roleIds = unique('roleDefinitions', t.roleDefinitions);
  unique('roleAssignments', t.roleAssignments);
  unique('roleEligibilitySchedules', t.roleEligibilitySchedules);
  unique('conditionalAccessPolicies', t.conditionalAccessPolicies);
  unique('authenticationStrengthPolicies', t.authenticationStrengthPolicies);
  unique('namedLocations', t.namedLocations);
  unique('teamsApps', t.teamsApps ?? []);
  const pimPolicies = unique('roleManagementPolicies', t.roleManagementPolicies ?? []);
  (t.roleManagementPolicies ?? []).forEach((p, i) => unique(`roleManagementPolicies[${i}].rules`, p.rules));
  const assignedRoles = new Set<string>();
  (t.roleManagementPolicyAssignments ?? []).forEach((a, i) => {
    if (!pimPolicies.has(a.policyId.toLowerCase())) problem(['roleManagementPolicyAssignments', i, 'policyId'], `no roleManagementPolicies entry with id '${a.policyId}'`);
    if (!roleIds.has(a.roleDefinitionId.toLowerCase()) && !GUID.test(a.roleDefinitionId)) problem(['roleManagementPolicyAssignments', i, 'roleDefinitionId'], `unknown role definition id '${a.roleDefinitionId}'`);
    if (assignedRoles.has(a.roleDefinitionId.toLowerCase())) problem(['roleManagementPolicyAssignments', i, 'roleDefinitionId'], `role '${a.roleDefinitionId}' has a policy already`);
    assignedRoles.add(a.roleDefinitionId.toLowerCase());
  });

  // Group members are not checked against the directory: a group may hold devices and contacts,
  // which a fixture does not describe. They are simply never served as users.
  const grants: Array<['roleAssignments' | 'roleEligibilitySchedules', ReadonlyArray<{ principalId: string; roleDefinitionId: string }>]> =
    [['roleAssignments', t.roleAssignments], ['roleEligibilitySchedules', t.roleEligibilitySchedules]];
  for (const [key, items] of grants) {
    items.forEach((a, i) => {
      if (!directory.has(a.principalId.toLowerCase())) problem([key, i, 'principalId'], `unknown principal id '${a.principalId}'`);
      // The default catalogue names only the roles MfaBot knows; a tenant has many more built-in
      // roles (Directory Readers, …), so any role template id (a GUID) is accepted.
      if (!roleIds.has(a.roleDefinitionId.toLowerCase()) && !GUID.test(a.roleDefinitionId)) {
        problem([key, i, 'roleDefinitionId'], `unknown role definition id '${a.roleDefinitionId}'`);
      }
    });
  }
  const rows = new Set<string>();
  t.userRegistrationDetails.forEach((r, i) => {
    const key = r.id.toLowerCase();
    if (!userIds.has(key)) problem(['userRegistrationDetails', i, 'id'], `no user with id '${r.id}'`);
    if (rows.has(key)) problem(['userRegistrationDetails', i, 'id'], `duplicate id '${r.id}'`);
    rows.add(key);
  });
  // The Teams handlers look these up by the exact id, so the exact id must exist.
  const exactUserIds = new Set(t.users.map((u) => u.id));
  const exactAppIds = new Set((t.teamsApps ?? []).map((a) => a.id));
  for (const [userId, apps] of Object.entries(t.userInstalledApps ?? {})) {
    if (!exactUserIds.has(userId)) problem(['userInstalledApps', userId], `no user with id '${userId}'`);
    apps.forEach((a, j) => {
      if (!exactAppIds.has(a)) problem(['userInstalledApps', userId, j], `no teamsApps entry with id '${a}'`);
    });
  }
}

/** A registration row names its user as the report does; a fixture may leave that to the user object. */
function fillRegistrationNames(t: Shape) {
  const users = new Map(t.users.map((u) => [u.id.toLowerCase(), u]));
  return {
    ...t,
    userRegistrationDetails: t.userRegistrationDetails.map((r) => {
      const user = users.get(r.id.toLowerCase());
      const filled = {
        ...r,
        userPrincipalName: r.userPrincipalName ?? user?.userPrincipalName ?? r.id,
        userDisplayName: r.userDisplayName ?? user?.displayName ?? r.id,
      };
      return filled as typeof r & Pick<typeof filled, 'userPrincipalName' | 'userDisplayName'>;
    }),
  };
}

/** Zod schema of a tenant fixture; the output has every default collection filled in. */
export const tenantFixtureSchema = tenantShape.superRefine(checkReferences).transform(fillRegistrationNames);

/** A parsed fixture: defaults applied (roleDefinitions, authenticationStrengthPolicies, empty collections). */
export type TenantFixture = z.output<typeof tenantFixtureSchema>;
/** What a fixture author writes: optional collections may be left out. */
export type TenantFixtureInput = z.input<typeof tenantFixtureSchema>;

export type FixtureUser = TenantFixture['users'][number];
export type FixtureGroup = TenantFixture['groups'][number];
export type FixtureServicePrincipal = TenantFixture['servicePrincipals'][number];
export type FixtureRoleAssignment = TenantFixture['roleAssignments'][number];
export type FixtureRoleEligibility = TenantFixture['roleEligibilitySchedules'][number];
export type FixtureRegistration = TenantFixture['userRegistrationDetails'][number];
export type FixturePolicy = TenantFixture['conditionalAccessPolicies'][number];
export type FixtureSignIn = NonNullable<TenantFixture['signIns']>[number];
export type FixtureTeamsApp = NonNullable<TenantFixture['teamsApps']>[number];
export type FixtureNamedLocation = TenantFixture['namedLocations'][number];
export type FixturePimPolicy = NonNullable<TenantFixture['roleManagementPolicies']>[number];
export type FixturePimRule = FixturePimPolicy['rules'][number];
export type FixturePimAssignment = NonNullable<TenantFixture['roleManagementPolicyAssignments']>[number];

/** The top-level keys a fixture may have. */
export const FIXTURE_KEYS: readonly string[] = Object.keys(TOP_LEVEL);

/** Zod's own schema for one conditional access policy (used to re-check policies written through the API). */
export const conditionalAccessPolicySchema = conditionalAccessPolicy;

function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out || '(root)';
}

function describeIssue(issue: z.ZodIssue): string[] {
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const where = issue.path.length ? `${formatPath(issue.path)}: ` : '';
    const allowed = issue.path.length ? '' : ` (allowed: ${FIXTURE_KEYS.join(', ')})`;
    return issue.keys.map((k) => `${where}unknown key '${k}'${allowed}`);
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

/**
 * Validates and normalises a fixture. Throws an Error listing every problem with its path,
 * e.g. `users[3].accountEnabled: Required`, `unknown key 'grups'`.
 */
export function parseFixture(json: unknown): TenantFixture {
  const result = tenantFixtureSchema.safeParse(json);
  if (result.success) return result.data;
  const lines = result.error.issues.flatMap(describeIssue);
  throw new Error(`invalid tenant fixture (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n- ${lines.join('\n- ')}`);
}

/** Reads and validates a fixture file; errors name the file. */
export function loadFixtureFile(path: string): TenantFixture {
  let json: unknown;
  try {
    json = JSON.parse(decodeJsonText(readFileSync(path)));
  } catch (err) {
    throw new Error(`cannot read tenant fixture ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return parseFixture(json);
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
