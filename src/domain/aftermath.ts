/**
 * After MfaBot enforced its policy: which admins did it stop at sign-in, and did each get through?
 * Microsoft's guidance for the admin MFA policy is to watch the sign-in logs for interrupted sign-ins
 * once it is on (learn.microsoft.com/entra/identity/conditional-access/howto-conditional-access-policy-admin-mfa).
 * An interrupted sign-in carries the error code of what the user still had to do: MFA (50074, 50076)
 * or registering a method first (50072, 50079) (learn.microsoft.com/entra/identity-platform/reference-error-codes).
 * Pure: the sign-ins, the admins and the clock are parameters.
 */
import type { SignIn } from '@microsoft/microsoft-graph-types';
import type { Admin } from './types';

/** Sign-in error codes meaning "MFA (or registering for it) is required": the interruptions the policy causes. */
export const INTERRUPTION_CODES: readonly number[] = Object.freeze([50072, 50074, 50076, 50079]);

/** Codes among them that mean the user had no method yet and had to register one. */
const REGISTRATION_CODES: ReadonlySet<number> = new Set([50072, 50079]);

/** How long after enforcement the card and the digest follow who got stuck. */
export const AFTERMATH_DAYS = 14;
const DAY_MS = 24 * 3_600_000;

export interface StuckAdmin {
  userId: string;
  userPrincipalName: string;
  displayName: string;
  /** Interrupted sign-ins counted. */
  interruptions: number;
  /** ISO time of the first interruption. */
  firstInterruptedAt: string;
  /** The error code of the last interruption. */
  errorCode: number;
  /** True when the interruption asked them to register a method first. */
  mustRegister: boolean;
  /** Signed in with the policy satisfied (MFA done) after the first interruption. */
  through: boolean;
  /** ISO time of that sign-in. */
  throughAt: string | null;
}

export interface EnforcementAftermath {
  policyId: string;
  enforcedAt: string;
  /** The period read: from enforcement to `until` (now), never more than AFTERMATH_DAYS. */
  until: string;
  /** False when the sign-in logs could not be read; `unavailable` says why. */
  readable: boolean;
  unavailable?: { message: string; missing?: string };
  /** Admins the policy interrupted: stuck ones first, then by UPN. */
  admins: StuckAdmin[];
}

/**
 * The period to read sign-ins for: from `enforcedAt` to `now`, while that is at most AFTERMATH_DAYS;
 * null once it is over (or when the time is unreadable or in the future).
 */
export function aftermathWindow(enforcedAt: string | null | undefined, now: Date): { since: Date; until: Date } | null {
  const at = Date.parse(enforcedAt ?? '');
  if (Number.isNaN(at) || at > now.getTime()) return null;
  if (now.getTime() - at > AFTERMATH_DAYS * DAY_MS) return null;
  return { since: new Date(at), until: now };
}

type Applied = NonNullable<SignIn['appliedConditionalAccessPolicies']>[number];

const appliedOf = (signIn: SignIn, policyId: string): Applied | undefined =>
  (signIn.appliedConditionalAccessPolicies ?? []).find((p) => (p.id ?? '').toLowerCase() === policyId.toLowerCase());

/**
 * Admins whose sign-ins `policyId` interrupted since `enforcedAt`, and whether each later signed in
 * with the policy satisfied. Sign-ins of users who are no admins (in `admins`) are left out; with
 * `admins` null every interrupted user counts. `signIns` null: the logs could not be read.
 */
export function summariseAftermath(input: {
  policyId: string;
  enforcedAt: string;
  now: Date;
  signIns: readonly SignIn[] | null;
  admins: readonly Admin[] | null;
  unavailable?: { message: string; missing?: string };
}): EnforcementAftermath {
  const { policyId, enforcedAt, now } = input;
  const since = Date.parse(enforcedAt);
  const byId = input.admins ? new Map(input.admins.map((a) => [a.id.toLowerCase(), a])) : null;
  const inPeriod = (input.signIns ?? [])
    .filter((s) => {
      const at = Date.parse(s.createdDateTime ?? '');
      return !Number.isNaN(at) && at >= since && at <= now.getTime() && appliedOf(s, policyId) !== undefined;
    })
    .sort((a, b) => Date.parse(a.createdDateTime ?? '') - Date.parse(b.createdDateTime ?? ''));
  const found = new Map<string, StuckAdmin>();
  for (const s of inPeriod) {
    const userId = (s.userId ?? '').toLowerCase();
    if (!userId || (byId && !byId.has(userId))) continue;
    const code = s.status?.errorCode ?? 0;
    const at = s.createdDateTime ?? '';
    const seen = found.get(userId);
    if (INTERRUPTION_CODES.includes(code)) {
      const admin = byId?.get(userId);
      const entry: StuckAdmin = seen ?? {
        userId,
        userPrincipalName: admin?.userPrincipalName ?? s.userPrincipalName ?? userId,
        displayName: admin?.displayName ?? s.userDisplayName ?? s.userPrincipalName ?? userId,
        interruptions: 0, firstInterruptedAt: at, errorCode: code, mustRegister: false, through: false, throughAt: null,
      };
      entry.interruptions += 1;
      entry.errorCode = code;
      entry.mustRegister ||= REGISTRATION_CODES.has(code);
      found.set(userId, entry);
    } else if (seen && code === 0 && appliedOf(s, policyId)?.result === 'success') {
      seen.through = true;
      seen.throughAt = at;
    }
  }
  const admins = [...found.values()].sort((a, b) => Number(a.through) - Number(b.through) || a.userPrincipalName.localeCompare(b.userPrincipalName));
  return {
    policyId,
    enforcedAt,
    until: now.toISOString(),
    readable: input.signIns !== null,
    ...(input.signIns === null && input.unavailable ? { unavailable: input.unavailable } : {}),
    admins,
  };
}

/** Admins the policy stopped who have not got through yet. */
export function stuckAdmins(aftermath: EnforcementAftermath | null | undefined): StuckAdmin[] {
  return (aftermath?.admins ?? []).filter((a) => !a.through);
}
