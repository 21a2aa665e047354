/**
 * Conditional Access policies as Graph accepts and returns them: validation of writes (docs/graph-notes.md, "Conditional Access"
 * errors) and the normalised shape Graph echoes (omitted collections as [], absent objects as null).
 */
import { policyShapeProblem } from '../domain/policyShape';
import { badRequest } from './errors';
import { conditionalAccessPolicySchema, type FixturePolicy } from './fixture';
import type { TenantState } from './state';
import { isRecord, type JsonObject } from './util';

const STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
const BUILT_IN_CONTROLS = ['block', 'mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication', 'passwordChange', 'unknownFutureValue'];
const OPERATORS = ['AND', 'OR'];
const WRITABLE = new Set([
  '@odata.type', 'id', 'displayName', 'description', 'state', 'conditions', 'grantControls', 'sessionControls',
  'templateId', 'createdDateTime', 'modifiedDateTime', 'partialEnablementStrategy',
]);
const USER_LISTS = ['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups', 'includeRoles', 'excludeRoles'];
const APP_LISTS = ['includeApplications', 'excludeApplications', 'includeUserActions', 'includeAuthenticationContextClassReferences'];

function stringList(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw badRequest(`'${name}' must be an array of strings.`);
  }
  return value;
}

function objectOrNull(value: unknown, name: string): JsonObject | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw badRequest(`'${name}' must be an object.`);
  return value;
}

/**
 * Checks a complete policy (a POST body, or a stored policy with a PATCH merged in) the way Graph
 * does, throwing 400s with Graph's messages where they are known.
 */
export function validatePolicy(policy: JsonObject, state: TenantState): void {
  for (const key of Object.keys(policy)) {
    if (!WRITABLE.has(key) && !key.includes('@odata.')) {
      throw badRequest(`The property '${key}' does not exist on type 'microsoft.graph.conditionalAccessPolicy'. Make sure to only use property names that are defined by the type.`);
    }
  }
  if (typeof policy.displayName !== 'string' || policy.displayName.trim() === '') throw badRequest("'displayName' is required.");
  if (typeof policy.state !== 'string' || !STATES.includes(policy.state)) {
    throw badRequest(`'state' is required and must be one of ${STATES.join(', ')}.`);
  }
  const conditions = objectOrNull(policy.conditions, 'conditions');
  if (!conditions) throw badRequest("'conditions' is required.");
  const users = objectOrNull(conditions.users, 'conditions.users');
  const clientApplications = objectOrNull(conditions.clientApplications, 'conditions.clientApplications');
  if (!users && !clientApplications) throw badRequest("Either 'users' or 'clientApplications' condition is required.");
  if (users) {
    for (const list of USER_LISTS) stringList(users[list], `conditions.users.${list}`);
    const builtIn = new Set(state.tenant.roleDefinitions.filter((d) => d.isBuiltIn).map((d) => (d.templateId ?? d.id).toLowerCase()));
    const roles = [...stringList(users.includeRoles, 'includeRoles'), ...stringList(users.excludeRoles, 'excludeRoles')];
    const notBuiltIn = roles.filter((r) => !builtIn.has(r.toLowerCase()));
    if (notBuiltIn.length > 0) throw badRequest(`1103: 'users' condition contains non-built in role ids: ${notBuiltIn.join(', ')}`);
  }
  const apps = objectOrNull(conditions.applications, 'conditions.applications');
  const targets = apps ? APP_LISTS.filter((l) => l !== 'excludeApplications').some((l) => stringList(apps[l], l).length > 0) : false;
  if (apps) for (const list of APP_LISTS) stringList(apps[list], `conditions.applications.${list}`);
  if (!targets) throw badRequest("'applications' condition must include applications, user actions or authentication contexts.");
  const risk = [...stringList(conditions.signInRiskLevels, 'signInRiskLevels'), ...stringList(conditions.userRiskLevels, 'userRiskLevels')];
  if (risk.length > 0 && state.licence() !== 'p2') {
    throw badRequest('1039: Cannot create or update policies with premium P2 features. Upgrade to a premium P2 license and try again.');
  }
  stringList(conditions.clientAppTypes, 'clientAppTypes');
  validateControls(policy, state);
  // Whatever else a stored policy must be typed as (so it can be stored and judged), Graph refuses too.
  const shape = policyShapeProblem(policy);
  if (shape) throw badRequest(`The policy ${shape}.`);
}

function validateControls(policy: JsonObject, state: TenantState): void {
  const grant = objectOrNull(policy.grantControls, 'grantControls');
  const session = objectOrNull(policy.sessionControls, 'sessionControls');
  if (!grant && !session) throw badRequest('A policy needs grant controls or session controls.');
  if (!grant) return;
  const controls = stringList(grant.builtInControls, 'builtInControls');
  const unknown = controls.filter((c) => !BUILT_IN_CONTROLS.includes(c));
  if (unknown.length > 0) throw badRequest(`Invalid builtInControls value(s): ${unknown.join(', ')}.`);
  if (controls.includes('block') && controls.length > 1) throw badRequest("'block' cannot be combined with other grant controls.");
  if (grant.operator !== undefined && (typeof grant.operator !== 'string' || !OPERATORS.includes(grant.operator))) {
    throw badRequest("'operator' must be AND or OR.");
  }
  const strength = objectOrNull(grant.authenticationStrength, 'authenticationStrength');
  if (strength) {
    const id = typeof strength.id === 'string' ? strength.id : '';
    if (!state.tenant.authenticationStrengthPolicies.some((s) => s.id.toLowerCase() === id.toLowerCase())) {
      throw badRequest(`Authentication strength policy '${id}' does not exist.`);
    }
  }
  const others = stringList(grant.termsOfUse, 'termsOfUse').length + stringList(grant.customAuthenticationFactors, 'customAuthenticationFactors').length;
  if (controls.length === 0 && !strength && others === 0) throw badRequest('Grant controls need at least one control.');
}

/** Objects are merged key by key, arrays and scalars replaced: Graph's PATCH semantics. */
export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isRecord(value) && isRecord(current) ? mergePatch(current, value) : value;
  }
  return out;
}

function withDefaults(value: unknown, defaults: JsonObject): JsonObject | null {
  return isRecord(value) ? { ...defaults, ...value } : null;
}

/** The policy as Graph returns it: every collection present, absent objects null, strength inlined. */
export function normalisePolicy(raw: JsonObject, state: TenantState): FixturePolicy {
  const conditions = isRecord(raw.conditions) ? raw.conditions : {};
  const grant = withDefaults(raw.grantControls, { operator: 'OR', builtInControls: [], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null });
  if (grant && isRecord(grant.authenticationStrength)) {
    const id = grant.authenticationStrength.id;
    const strength = state.tenant.authenticationStrengthPolicies.find((s) => typeof id === 'string' && s.id.toLowerCase() === id.toLowerCase());
    if (strength) grant.authenticationStrength = { ...strength, combinationConfigurations: [] };
  }
  const policy: JsonObject = {
    id: raw.id,
    templateId: raw.templateId ?? null,
    displayName: raw.displayName,
    description: raw.description ?? null,
    createdDateTime: raw.createdDateTime ?? null,
    modifiedDateTime: raw.modifiedDateTime ?? null,
    state: raw.state,
    sessionControls: raw.sessionControls ?? null,
    conditions: {
      userRiskLevels: [], signInRiskLevels: [], clientAppTypes: [], servicePrincipalRiskLevels: [], insiderRiskLevels: null,
      platforms: null, locations: null, devices: null, clientApplications: null, authenticationFlows: null,
      ...conditions,
      applications: withDefaults(conditions.applications ?? {}, {
        includeApplications: [], excludeApplications: [], includeUserActions: [],
        includeAuthenticationContextClassReferences: [], applicationFilter: null,
      }),
      users: withDefaults(conditions.users ?? {}, {
        includeUsers: [], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [],
        includeGuestsOrExternalUsers: null, excludeGuestsOrExternalUsers: null,
      }),
    },
    grantControls: grant,
  };
  for (const [key, value] of Object.entries(raw)) if (!(key in policy) && key !== '@odata.type') policy[key] = value;
  return conditionalAccessPolicySchema.parse(policy);
}
