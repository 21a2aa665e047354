/**
 * Conditional Access gaps grouped the way people read them, for the status card and
 * `mfabot status` alike: admins who can sign in without MFA in the same way, for the same reasons,
 * in one line; role gaps policy by policy.
 */
import type { CoverageGap } from './coverageEngine';
import { adminWho, describeGap } from './coverageWords';
import type { StatusReport } from './report';
import { listWords } from './signInSpace';
import type { Admin, RoleCoverage } from './types';

/** Admins whose gap reads the same apart from who they are. */
export interface AdminGapGroup {
  gap: CoverageGap;
  /** Worst first: most dangerous role, then userPrincipalName. */
  admins: Admin[];
  /** How many of them are judged as if their eligible roles were activated. */
  eligible: number;
}

/** Role gaps of one policy and reason. */
export interface PolicyGapGroup {
  /** Empty when no policy targets the roles at all. */
  policyId: string;
  reason: string;
  roleIds: string[];
}

type RoleName = (roleId: string) => string;
type RoleRank = (roleId: string) => number;

/** "Brian Ortiz (Exchange Administrator, eligible Security Administrator)": each role once, eligible-only ones marked. */
export function adminWithRoles(admin: Pick<Admin, 'displayName' | 'userPrincipalName' | 'roles'>, roleName: RoleName, rank?: RoleRank): string {
  const ids = [...new Set(admin.roles.map((r) => r.roleId))];
  if (rank) ids.sort((a, b) => rank(a) - rank(b));
  const names = ids.map((id) => {
    const active = admin.roles.some((r) => r.roleId === id && r.activation === 'active');
    return `${active ? '' : 'eligible '}${roleName(id)}`;
  });
  return adminWho(admin.displayName || admin.userPrincipalName, names);
}

/** The gap sentence of one admin, or null when Conditional Access leaves them no way around MFA. */
export function adminGapSentence(admin: Admin, roleName: RoleName, rank?: RoleRank): string | null {
  const gap = admin.ca?.gap;
  return admin.ca?.caCovered === true || !gap ? null : describeGap(adminWithRoles(admin, roleName, rank), gap);
}

/**
 * The uncovered admins (caCovered false) grouped by what their sentence says after their name: the
 * same unprotected sign-in, the same closest policies and reasons. Groups with the most admins come
 * first, then those holding the most dangerous role.
 */
export function adminGapGroups(report: Pick<StatusReport, 'admins'>, rank: RoleRank): AdminGapGroup[] {
  const groups = new Map<string, AdminGapGroup & { worst: number }>();
  const worstOf = (a: Admin): number => Math.min(...a.roles.map((r) => rank(r.roleId)), Number.MAX_SAFE_INTEGER);
  // Admins judged alike share one gap object: its sentence is written once, not once per admin.
  const keys = new Map<CoverageGap, string>();
  for (const admin of report.admins) {
    const ca = admin.ca;
    if (!ca || ca.caCovered !== false || !ca.gap) continue;
    let key = keys.get(ca.gap);
    if (key === undefined) keys.set(ca.gap, (key = describeGap('', ca.gap)));
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { gap: ca.gap, admins: [], eligible: 0, worst: Number.MAX_SAFE_INTEGER }));
    group.admins.push(admin);
    if (ca.evaluatedAsActivated.length > 0) group.eligible += 1;
    group.worst = Math.min(group.worst, worstOf(admin));
  }
  // The report lists admins by userPrincipalName already, and the sort is stable: worst role first is enough.
  return [...groups.values()]
    .sort((a, b) => b.admins.length - a.admins.length || a.worst - b.worst)
    .map(({ gap, admins, eligible }) => {
      const worst = new Map(admins.map((a) => [a, worstOf(a)]));
      return { gap, eligible, admins: admins.sort((a, b) => (worst.get(a) ?? 0) - (worst.get(b) ?? 0)) };
    });
}

/**
 * One line for a group: the first `names` admins with their roles, "and N more", then the sentence:
 * "Brian Ortiz (Exchange Administrator) and 11 more can sign in with Exchange ActiveSync …".
 */
export function adminGroupSentence(group: AdminGapGroup, names: number, roleName: RoleName, rank?: RoleRank): string {
  const shown = group.admins.slice(0, Math.max(0, names)).map((a) => adminWithRoles(a, roleName, rank));
  const rest = group.admins.length - shown.length;
  const who = shown.length === 0
    ? `${group.admins.length} ${group.admins.length === 1 ? 'admin' : 'admins'}`
    : listWords([...shown, ...(rest > 0 ? [`${rest} more`] : [])]);
  return describeGap(who, group.gap);
}

/** Gaps of the uncovered roles grouped by policy and reason, the widest first. */
export function policyGapGroups(uncovered: readonly RoleCoverage[], noPolicyReason: string): PolicyGapGroup[] {
  const groups = new Map<string, PolicyGapGroup>();
  for (const role of uncovered) {
    const gaps = role.gaps.length > 0 ? role.gaps : [{ policyId: '', reason: noPolicyReason }];
    for (const gap of gaps) {
      const key = `${gap.policyId}\u0000${gap.reason}`;
      const group = groups.get(key) ?? { policyId: gap.policyId, reason: gap.reason, roleIds: [] };
      if (!group.roleIds.includes(role.roleId)) group.roleIds.push(role.roleId);
      groups.set(key, group);
    }
  }
  return [...groups.values()].sort((a, b) => b.roleIds.length - a.roleIds.length);
}
