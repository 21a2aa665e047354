/**
 * What enforcing MfaBot's report-only policy would do, from the sign-in logs (the policy's
 * `appliedConditionalAccessPolicies` results) and the registration state of admins. Pure.
 */
import type { SignIn } from '@microsoft/microsoft-graph-types';
import type { Admin } from './types';

export interface ImpactUser {
  userId: string;
  userPrincipalName: string;
  /** Sign-ins of this user with the result counted. */
  signIns: number;
  /** ISO time of the newest such sign-in. */
  lastAt: string | null;
}

export interface ImpactSummary {
  policyId: string;
  /** False when the sign-in logs could not be read; `unavailable` says why. */
  signInsReadable: boolean;
  unavailable?: { message: string; missing?: string };
  /** Sign-ins the policy applied to that were examined. */
  signInsExamined: number;
  /** Oldest and newest sign-in examined (ISO), when any. */
  from: string | null;
  to: string | null;
  /** reportOnlyInterrupted: the user would have been prompted for MFA. */
  wouldPrompt: ImpactUser[];
  /** reportOnlyFailure: the user could not have satisfied the policy (would be blocked). */
  wouldFail: ImpactUser[];
  /** reportOnlySuccess: already satisfied (MFA already in the token). */
  alreadySatisfied: number;
  /** Admins with no MFA method registered: enforcing forces them to register at their next sign-in. */
  unregisteredAdmins: { id: string; userPrincipalName: string; displayName: string }[];
  /** Admins whose registration state is unknown (null when admins could not be read). */
  unknownAdmins: number | null;
}

type Applied = NonNullable<SignIn['appliedConditionalAccessPolicies']>[number];

/**
 * Summarises the sign-ins for `policyId`. `signIns` null means the logs could not be read (then
 * `unavailable` should say why); `admins` null means the status report was not available.
 */
export function summariseImpact(
  policyId: string,
  signIns: readonly SignIn[] | null,
  admins: readonly Admin[] | null,
  unavailable?: { message: string; missing?: string },
): ImpactSummary {
  const prompted = new Map<string, ImpactUser>();
  const failed = new Map<string, ImpactUser>();
  let satisfied = 0;
  let examined = 0;
  let from: string | null = null;
  let to: string | null = null;
  for (const signIn of signIns ?? []) {
    const applied = (signIn.appliedConditionalAccessPolicies ?? []).find((p: Applied) => (p.id ?? '').toLowerCase() === policyId.toLowerCase());
    if (!applied) continue;
    examined++;
    const at = signIn.createdDateTime ?? null;
    if (at && (from === null || at < from)) from = at;
    if (at && (to === null || at > to)) to = at;
    const result = String(applied.result ?? '');
    if (result === 'reportOnlyInterrupted') count(prompted, signIn, at);
    else if (result === 'reportOnlyFailure') count(failed, signIn, at);
    else if (result === 'reportOnlySuccess') satisfied++;
  }
  const byUpn = (a: ImpactUser, b: ImpactUser) => a.userPrincipalName.localeCompare(b.userPrincipalName);
  return {
    policyId,
    signInsReadable: signIns !== null,
    ...(signIns === null && unavailable ? { unavailable } : {}),
    signInsExamined: examined,
    from,
    to,
    wouldPrompt: [...prompted.values()].sort(byUpn),
    wouldFail: [...failed.values()].sort(byUpn),
    alreadySatisfied: satisfied,
    unregisteredAdmins: (admins ?? [])
      .filter((a) => a.mfaRegistered === false)
      .map((a) => ({ id: a.id, userPrincipalName: a.userPrincipalName, displayName: a.displayName }))
      .sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName)),
    unknownAdmins: admins === null ? null : admins.filter((a) => a.mfaRegistered === null).length,
  };
}

function count(map: Map<string, ImpactUser>, signIn: SignIn, at: string | null): void {
  const id = (signIn.userId ?? 'unknown').toLowerCase();
  const user = map.get(id) ?? { userId: id, userPrincipalName: signIn.userPrincipalName ?? id, signIns: 0, lastAt: null };
  user.signIns++;
  if (at && (user.lastAt === null || at > user.lastAt)) user.lastAt = at;
  map.set(id, user);
}
