/**
 * Nudge planning: who may nudge, which of the chosen ids get a 1:1 message, and why the others do
 * not. Pure: the admin set comes from the current status report, history from storage, and time is a
 * parameter. Card data is only a wish list; every id is checked again here.
 */
import { worstFirst } from './admins';
import { isGuid } from './roles';
import type { Admin } from './types';

/** The same admin is nudged at most once per window, whoever asks (default 24 h). */
export const DEFAULT_NUDGE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Most ids read from one picker value; the rest of a tampered value is ignored. */
export const MAX_NUDGE_SELECTION = 500;

/** Most unreadable values kept for the report (each cut to 40 characters). */
const MAX_INVALID_KEPT = 10;

/** When an "I've registered" that Graph cannot confirm yet is checked again, after the click. */
export const RECHECK_DELAYS_MS: readonly number[] = Object.freeze([
  60 * 60 * 1000,
  4 * 60 * 60 * 1000,
  12 * 60 * 60 * 1000,
  24 * 60 * 60 * 1000,
]);

/** Who may send nudges (`MFABOT_NUDGERS`). */
export type NudgerPolicy =
  | { kind: 'approvers' }
  | { kind: 'anyone' }
  | { kind: 'users'; ids: string[] };

/** What the picker asked for: "all", specific user ids, and values that are not user ids at all. */
export interface NudgeSelection {
  all: boolean;
  /** Lower-cased, de-duplicated user ids, in the order given. */
  ids: string[];
  /** Values that are not Entra object ids (cut short); never looked up. */
  invalid: string[];
}

/** Why a chosen id gets no message. */
export type SkipReason =
  | { kind: 'notAdmin' }
  | { kind: 'registered' }
  | { kind: 'recentlyNudged'; lastAt: string }
  | { kind: 'inProgress' }
  | { kind: 'disabled' }
  | { kind: 'breakGlass' }
  | { kind: 'invalid' };

export interface SkippedNudge {
  /** The user id, or the (cut) value for an invalid one. */
  id: string;
  /** Display name when the id is a known admin. */
  name: string | null;
  userPrincipalName: string | null;
  reason: SkipReason;
}

export interface NudgePlan {
  /** Admins in scope, unregistered or unknown, not nudged within the window: they get a message. */
  targets: Admin[];
  skipped: SkippedNudge[];
}

/** What the planner needs to know of an admin's nudge history. */
export interface NudgeHistoryView {
  /** ISO time of the last message actually delivered; null or absent when never. */
  lastAt?: string | null;
}

export interface NudgePlanInput {
  selection: NudgeSelection;
  /** Admins of the current status report. */
  admins: readonly Admin[];
  history: Readonly<Record<string, NudgeHistoryView>>;
  now: Date;
  windowMs: number;
  /** Emergency access accounts: never nudged (nobody reads their chat). */
  breakGlassUserIds?: readonly string[];
  /**
   * Admins who may be nudged although registered, when chosen by id: those the enforced policy
   * stopped at sign-in (lower-case ids). "All" still means every unregistered or unknown admin.
   */
  alsoNudge?: ReadonlySet<string>;
}

/** Parses the picker value Teams sends: a comma-separated string (or an array from other clients). */
export function parseNudgeSelection(value: unknown): NudgeSelection {
  const raw: string[] = typeof value === 'string'
    ? value.split(',')
    : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const out: NudgeSelection = { all: false, ids: [], invalid: [] };
  const seen = new Set<string>();
  for (const entry of raw.slice(0, MAX_NUDGE_SELECTION)) {
    const v = entry.trim();
    if (v === '') continue;
    if (v.toLowerCase() === 'all') {
      out.all = true;
    } else if (isGuid(v)) {
      const id = v.toLowerCase();
      if (!seen.has(id)) out.ids.push(id);
      seen.add(id);
    } else if (out.invalid.length < MAX_INVALID_KEPT) {
      out.invalid.push(Array.from(v).slice(0, 40).join(''));
    }
  }
  return out;
}

/** True when the selection names nobody at all. */
export function isEmptySelection(selection: NudgeSelection): boolean {
  return !selection.all && selection.ids.length === 0 && selection.invalid.length === 0;
}

/** True when `lastAt` falls within `windowMs` before `now`. */
export function nudgedWithin(lastAt: string | null | undefined, now: Date, windowMs: number): boolean {
  if (!lastAt) return false;
  const at = Date.parse(lastAt);
  return !Number.isNaN(at) && now.getTime() - at < windowMs;
}

/** Admins who may be nudged at all: in scope and not registered (false) or unknown (null). */
export function needsNudge(admin: Admin): boolean {
  return admin.mfaRegistered !== true;
}

/**
 * Decides who gets a message. Every id is checked against the current admin set: a registered admin,
 * a user who is not an admin in scope, a made-up id, a disabled or break-glass account, or an admin
 * messaged within the window is skipped with the reason. "All" means every unregistered or unknown
 * admin. Targets come out worst first (the report's order of severity is the caller's; here: as given).
 */
export function planNudges(input: NudgePlanInput): NudgePlan {
  const byId = new Map(input.admins.map((a) => [a.id.toLowerCase(), a]));
  const breakGlass = new Set((input.breakGlassUserIds ?? []).map((id) => id.toLowerCase()));
  const targets: Admin[] = [];
  const skipped: SkippedNudge[] = [];
  const decided = new Set<string>();

  const consider = (id: string, explicit: boolean): void => {
    if (decided.has(id)) return;
    decided.add(id);
    const admin = byId.get(id);
    if (!admin) {
      skipped.push({ id, name: null, userPrincipalName: null, reason: { kind: 'notAdmin' } });
      return;
    }
    const skip = (reason: SkipReason): void => {
      skipped.push({ id, name: admin.displayName || null, userPrincipalName: admin.userPrincipalName || null, reason });
    };
    if (!needsNudge(admin) && !(explicit && input.alsoNudge?.has(id))) {
      // "All" never meant registered admins: only an explicit (tampered or stale) choice is reported.
      if (explicit) skip({ kind: 'registered' });
      return;
    }
    if (breakGlass.has(id)) return skip({ kind: 'breakGlass' });
    if (admin.accountEnabled === false) return skip({ kind: 'disabled' });
    const lastAt = input.history[id]?.lastAt ?? null;
    if (lastAt && nudgedWithin(lastAt, input.now, input.windowMs)) return skip({ kind: 'recentlyNudged', lastAt });
    targets.push(admin);
  };

  for (const id of input.selection.ids) consider(id, true);
  if (input.selection.all) for (const admin of input.admins) consider(admin.id.toLowerCase(), false);
  for (const value of input.selection.invalid) skipped.push({ id: value, name: null, userPrincipalName: null, reason: { kind: 'invalid' } });
  return { targets: worstFirst(targets), skipped };
}

/** Whether `userId` may send nudges under `policy`; `isApprover` is decided by the caller. */
export function mayNudge(userId: string, isApprover: boolean, policy: NudgerPolicy): { allowed: true } | { allowed: false; reason: string } {
  if (!userId) return { allowed: false, reason: 'Teams did not say who clicked, so MfaBot cannot tell whether you may nudge admins.' };
  switch (policy.kind) {
    case 'anyone':
      return { allowed: true };
    case 'users':
      return policy.ids.some((id) => id.toLowerCase() === userId.toLowerCase())
        ? { allowed: true }
        : { allowed: false, reason: 'Only the people configured as nudgers can nudge admins.' };
    case 'approvers':
      return isApprover ? { allowed: true } : { allowed: false, reason: 'Only approvers can nudge admins.' };
  }
}

/**
 * Parses `MFABOT_NUDGERS`: `approvers` (default), `anyone`, or comma-separated Entra object ids.
 * Returns the problem instead when the value is none of these.
 */
export function parseNudgers(value: string | undefined): { policy: NudgerPolicy } | { problem: string } {
  const v = (value ?? '').trim();
  if (v === '' || v.toLowerCase() === 'approvers') return { policy: { kind: 'approvers' } };
  if (v.toLowerCase() === 'anyone') return { policy: { kind: 'anyone' } };
  const ids = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const bad = ids.filter((id) => !isGuid(id));
  if (bad.length > 0) return { problem: `must be approvers, anyone or Entra object ids (GUIDs); not: ${bad.map((b) => `"${b.slice(0, 60)}"`).join(', ')}` };
  return { policy: { kind: 'users', ids: ids.map((id) => id.toLowerCase()) } };
}

/**
 * When to check again after an unconfirmed "I've registered": the `attempt`-th delay (0-based) after
 * `from`, or null once the bounded schedule is used up.
 */
export function nextRecheckAt(from: Date, attempt: number, delays: readonly number[] = RECHECK_DELAYS_MS): Date | null {
  const delay = delays[attempt];
  return delay === undefined ? null : new Date(from.getTime() + delay);
}

/** Whether a Conditional Access policy enforcing MFA for admins is coming, as the nudge card tells it. */
export type PolicyOutlook =
  | { kind: 'none' }
  /** MfaBot's policy exists in report-only mode since `since`. */
  | { kind: 'reportOnly'; since: string }
  /** An approver has been asked to enforce it; the request is open until `until`. */
  | { kind: 'enforcePending'; since: string; requestedAt: string; until: string }
  /** MfaBot's policy is enforced since `since`. */
  | { kind: 'enforced'; since: string };
