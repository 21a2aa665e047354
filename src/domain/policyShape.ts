/**
 * Checks that a conditional access policy read from a file has Graph's types where the coverage
 * rules look (README, "The mfabot command": bad input is refused, never judged). Absent and null collections are
 * fine (Graph exports write both); a value of the wrong type is not, because guessing what it means
 * could turn a gap into "covered". Properties the rules do not read are not checked.
 */

type Kind = 'strings' | 'object' | 'string' | 'flags';

/** Where the coverage rules look, and what each must be when present and not null. */
const SHAPE: Readonly<Record<string, Kind>> = {
  id: 'string',
  displayName: 'string',
  state: 'string',
  conditions: 'object',
  'conditions.users': 'object',
  'conditions.users.includeUsers': 'strings',
  'conditions.users.excludeUsers': 'strings',
  'conditions.users.includeGroups': 'strings',
  'conditions.users.excludeGroups': 'strings',
  'conditions.users.includeRoles': 'strings',
  'conditions.users.excludeRoles': 'strings',
  'conditions.users.includeGuestsOrExternalUsers': 'object',
  'conditions.users.excludeGuestsOrExternalUsers': 'object',
  'conditions.users.excludeGuestsOrExternalUsers.guestOrExternalUserTypes': 'flags',
  'conditions.applications': 'object',
  'conditions.applications.includeApplications': 'strings',
  'conditions.applications.excludeApplications': 'strings',
  'conditions.applications.includeUserActions': 'strings',
  'conditions.applications.includeAuthenticationContextClassReferences': 'strings',
  'conditions.applications.applicationFilter': 'object',
  'conditions.clientApplications': 'object',
  'conditions.clientApplications.includeServicePrincipals': 'strings',
  'conditions.clientApplications.excludeServicePrincipals': 'strings',
  'conditions.clientAppTypes': 'strings',
  'conditions.platforms': 'object',
  'conditions.platforms.includePlatforms': 'strings',
  'conditions.platforms.excludePlatforms': 'strings',
  'conditions.locations': 'object',
  'conditions.locations.includeLocations': 'strings',
  'conditions.locations.excludeLocations': 'strings',
  'conditions.signInRiskLevels': 'strings',
  'conditions.userRiskLevels': 'strings',
  'conditions.servicePrincipalRiskLevels': 'strings',
  'conditions.insiderRiskLevels': 'flags',
  'conditions.devices': 'object',
  'conditions.devices.deviceFilter': 'object',
  'conditions.devices.includeDevices': 'strings',
  'conditions.devices.excludeDevices': 'strings',
  'conditions.devices.includeDeviceStates': 'strings',
  'conditions.devices.excludeDeviceStates': 'strings',
  'conditions.authenticationFlows': 'object',
  'conditions.authenticationFlows.transferMethods': 'flags',
  grantControls: 'object',
  'grantControls.operator': 'string',
  'grantControls.builtInControls': 'strings',
  'grantControls.customAuthenticationFactors': 'strings',
  'grantControls.termsOfUse': 'strings',
  'grantControls.authenticationStrength': 'object',
  sessionControls: 'object',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

const EXPECTED: Readonly<Record<Kind, string>> = {
  strings: 'an array of strings',
  object: 'an object',
  string: 'a string',
  flags: 'a string or an array of strings',
};

function fits(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'strings': return isStrings(value);
    case 'object': return isObject(value);
    case 'string': return typeof value === 'string';
    case 'flags': return typeof value === 'string' || isStrings(value);
  }
}

/** How lenient to be with what exporters write. */
export interface ShapeOptions {
  /**
   * Accept an empty array where Graph writes a condition object (`"locations": []`, seen in real
   * exports); the coverage rules read it as absent, with a warning. Graph itself refuses it, so the
   * simulator does not pass this.
   */
  emptyConditionArrays?: boolean;
}

/**
 * The first problem with a policy's shape, in words naming the property; null when it has none.
 * `state` may not be null (an export always states it); every other checked property may.
 */
export function policyShapeProblem(policy: unknown, options: ShapeOptions = {}): string | null {
  if (!isObject(policy)) return 'is not an object';
  // PowerShell's Get-MgIdentityConditionalAccessPolicy | ConvertTo-Json writes SDK objects, not Graph's JSON.
  if (!('state' in policy) && !('conditions' in policy) && ('State' in policy || 'Conditions' in policy)) {
    return 'has PowerShell SDK property names (State, Conditions): export Graph JSON instead (Invoke-MgGraphRequest -Uri v1.0/identity/conditionalAccess/policies)';
  }
  for (const [path, kind] of Object.entries(SHAPE)) {
    let value: unknown = policy;
    for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined;
    if (value === undefined || (value === null && path !== 'state')) continue;
    if (options.emptyConditionArrays && kind === 'object' && path.split('.').length === 2 && path.startsWith('conditions.') && Array.isArray(value) && value.length === 0) continue;
    if (!fits(kind, value)) return `has ${path} that is not ${EXPECTED[kind]}`;
  }
  return null;
}
