/**
 * The catalogue of built-in admin roles MfaBot knows by name, and the named scopes people use
 * (README, "Who counts as an admin?"). Scope is configuration: any built-in role template id may be put in scope.
 */
import type { RoleInfo } from './types';

export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  conditionalAccessAdministrator: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  hybridIdentityAdministrator: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  exchangeAdministrator: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  sharePointAdministrator: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  passwordAdministrator: '966707d0-3269-4727-9be2-8c3a10f19b9d',
  teamsAdministrator: '69091246-20e8-4a56-aa4d-066075b2a7a8',
  billingAdministrator: 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
} as const;

/** Known built-in roles, most dangerous first (the order the cards list them in). */
export const KNOWN_ROLES: readonly RoleInfo[] = Object.freeze([
  { id: ROLE.globalAdministrator, displayName: 'Global Administrator', rank: 1 },
  { id: ROLE.privilegedRoleAdministrator, displayName: 'Privileged Role Administrator', rank: 2 },
  { id: ROLE.privilegedAuthenticationAdministrator, displayName: 'Privileged Authentication Administrator', rank: 3 },
  { id: ROLE.securityAdministrator, displayName: 'Security Administrator', rank: 4 },
  { id: ROLE.conditionalAccessAdministrator, displayName: 'Conditional Access Administrator', rank: 5 },
  { id: ROLE.applicationAdministrator, displayName: 'Application Administrator', rank: 6 },
  { id: ROLE.cloudApplicationAdministrator, displayName: 'Cloud Application Administrator', rank: 7 },
  { id: ROLE.hybridIdentityAdministrator, displayName: 'Hybrid Identity Administrator', rank: 8 },
  { id: ROLE.userAdministrator, displayName: 'User Administrator', rank: 9 },
  { id: ROLE.exchangeAdministrator, displayName: 'Exchange Administrator', rank: 10 },
  { id: ROLE.sharePointAdministrator, displayName: 'SharePoint Administrator', rank: 11 },
  { id: ROLE.authenticationAdministrator, displayName: 'Authentication Administrator', rank: 12 },
  { id: ROLE.helpdeskAdministrator, displayName: 'Helpdesk Administrator', rank: 13 },
  { id: ROLE.passwordAdministrator, displayName: 'Password Administrator', rank: 14 },
  { id: ROLE.teamsAdministrator, displayName: 'Teams Administrator', rank: 15 },
  { id: ROLE.billingAdministrator, displayName: 'Billing Administrator', rank: 16 },
]);

/** Microsoft's CA template "Require multifactor authentication for admins" (c7503427-…): the default scope. */
const TEMPLATE_ROLES = [
  ROLE.globalAdministrator, ROLE.applicationAdministrator, ROLE.authenticationAdministrator,
  ROLE.billingAdministrator, ROLE.cloudApplicationAdministrator, ROLE.conditionalAccessAdministrator,
  ROLE.exchangeAdministrator, ROLE.helpdeskAdministrator, ROLE.passwordAdministrator,
  ROLE.privilegedAuthenticationAdministrator, ROLE.privilegedRoleAdministrator, ROLE.securityAdministrator,
  ROLE.sharePointAdministrator, ROLE.userAdministrator,
];

/** Named scopes accepted by `MFABOT_ROLES` and `--roles`. */
export const ROLE_LISTS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  template: TEMPLATE_ROLES,
  docs: [...TEMPLATE_ROLES, ROLE.teamsAdministrator],
  scuba: [
    ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator, ROLE.userAdministrator,
    ROLE.sharePointAdministrator, ROLE.exchangeAdministrator, ROLE.applicationAdministrator,
    ROLE.cloudApplicationAdministrator, ROLE.hybridIdentityAdministrator,
  ],
  seed: [
    ROLE.securityAdministrator, ROLE.exchangeAdministrator, ROLE.globalAdministrator,
    ROLE.conditionalAccessAdministrator, ROLE.sharePointAdministrator, ROLE.helpdeskAdministrator,
    ROLE.billingAdministrator, ROLE.userAdministrator, ROLE.authenticationAdministrator,
  ],
});

export const DEFAULT_ROLE_LIST = 'template';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/**
 * Turns a scope spec ("template", "scuba", "docs,<guid>", "<guid>,<guid>") into role ids.
 * Throws with a message naming the bad part, because a silently narrowed scope would under-report admins.
 */
export function parseRoleScope(spec: string | undefined): string[] {
  const parts = (spec ?? DEFAULT_ROLE_LIST).split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) return [...ROLE_LISTS[DEFAULT_ROLE_LIST]];
  const ids: string[] = [];
  for (const part of parts) {
    const list = ROLE_LISTS[part.toLowerCase()];
    if (list) ids.push(...list);
    else if (isGuid(part)) ids.push(part.toLowerCase());
    else throw new Error(`unknown role "${part}": use a role template id or one of ${Object.keys(ROLE_LISTS).join(', ')}`);
  }
  return [...new Set(ids)];
}

/**
 * Role info for any id: the catalogue entry when known, otherwise the display name learnt from the
 * tenant (roleDefinitions) or the bare id, ranked after every known role.
 */
const KNOWN_BY_ID: ReadonlyMap<string, RoleInfo> = new Map(KNOWN_ROLES.map((r) => [r.id, r]));

export function roleInfo(id: string, learntNames: Readonly<Record<string, string>> = {}): RoleInfo {
  // Called inside sort comparators for thousands of admins: a map, not a scan.
  const known = KNOWN_BY_ID.get(id) ?? KNOWN_BY_ID.get(id.toLowerCase());
  if (known) return known;
  return { id, displayName: learntNames[id] ?? `Role ${id}`, rank: 100 };
}

/** Compares roles worst first. */
export function byRank(a: RoleInfo, b: RoleInfo): number {
  return a.rank - b.rank || a.displayName.localeCompare(b.displayName);
}
