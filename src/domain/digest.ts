/**
 * The scheduled digest: coverage now against the last digest, who registered since, who is still
 * missing, and when a subscription is due. Pure: the report and the clock are parameters.
 */
import { worstFirst } from './admins';
import { needsNudge } from './nudge';
import type { StatusReport, Totals } from './report';
import type { Admin } from './types';

export type Cadence = 'daily' | 'weekly';

export const CADENCES: readonly Cadence[] = Object.freeze(['daily', 'weekly']);

export function isCadence(value: unknown): value is Cadence {
  return typeof value === 'string' && (CADENCES as readonly string[]).includes(value);
}

/** What a digest remembers for the next one. */
export interface DigestSnapshot {
  /** ISO time of the report the digest showed. */
  at: string;
  admins: number;
  registered: number;
  /** Admins unregistered or unknown at the time, lower-cased. */
  missingIds: string[];
}

export interface DigestPerson {
  id: string;
  displayName: string;
  userPrincipalName: string;
}

export interface Digest {
  /** Time of the report. */
  at: string;
  tenantName: string | null;
  totals: Totals;
  /** The previous digest's numbers; null for the first digest. */
  previous: { at: string; admins: number; registered: number } | null;
  /** Missing last time, registered now. */
  registeredSince: DigestPerson[];
  /** Missing last time and no longer admins in scope (role removed, account deleted or disabled). */
  leftScope: number;
  /** Missing now but not last time (new admins, or the first digest: everyone missing). */
  newlyMissing: Admin[];
  /** Missing now, worst first. */
  missing: Admin[];
  /** Whether Conditional Access enforces MFA for every role in scope. */
  covered: boolean;
  uncoveredRoles: number;
}

const toPerson = (a: Admin): DigestPerson => ({ id: a.id, displayName: a.displayName, userPrincipalName: a.userPrincipalName });

/** What to remember of `report` for the next digest. */
export function digestSnapshot(report: StatusReport): DigestSnapshot {
  return {
    at: report.generatedAt,
    admins: report.totals.admins,
    registered: report.totals.registered,
    missingIds: report.admins.filter(needsNudge).map((a) => a.id.toLowerCase()).sort(),
  };
}

/** The digest of `report` compared with the last one (`previous`, null the first time). */
export function buildDigest(report: StatusReport, previous: DigestSnapshot | null): Digest {
  const byId = new Map(report.admins.map((a) => [a.id.toLowerCase(), a]));
  const missing = worstFirst(report.admins.filter(needsNudge));
  const before = new Set(previous?.missingIds ?? []);
  const registeredSince: DigestPerson[] = [];
  let leftScope = 0;
  for (const id of before) {
    const admin = byId.get(id);
    if (!admin) leftScope += 1;
    else if (admin.mfaRegistered === true) registeredSince.push(toPerson(admin));
  }
  registeredSince.sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName));
  return {
    at: report.generatedAt,
    tenantName: report.tenantName,
    totals: report.totals,
    previous: previous ? { at: previous.at, admins: previous.admins, registered: previous.registered } : null,
    registeredSince,
    leftScope,
    newlyMissing: previous ? missing.filter((a) => !before.has(a.id.toLowerCase())) : [],
    missing,
    covered: report.policy.covered,
    uncoveredRoles: report.policy.uncoveredRoleIds.length,
  };
}

export interface DigestSchedule {
  /** Hour of day (UTC) digests are posted, 0–23. */
  hourUtc: number;
  /** Day of week for weekly digests, 0 = Sunday … 6 = Saturday (default 1, Monday). */
  weekday?: number;
}

/** The latest scheduled slot at or before `now`: its id (e.g. `daily:2025-11-26`) and start. */
export function currentSlot(cadence: Cadence, now: Date, schedule: DigestSchedule): { period: string; startsAt: Date } {
  const hour = Math.min(23, Math.max(0, Math.floor(schedule.hourUtc)));
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour));
  if (start.getTime() > now.getTime()) start.setUTCDate(start.getUTCDate() - 1);
  if (cadence === 'weekly') {
    const weekday = Math.min(6, Math.max(0, Math.floor(schedule.weekday ?? 1)));
    start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() - weekday + 7) % 7));
  }
  return { period: `${cadence}:${start.toISOString().slice(0, 10)}`, startsAt: start };
}

/** What the scheduler knows of a subscription. */
export interface DueInput {
  cadence: Cadence;
  /** ISO time the channel subscribed: slots before it are not owed. */
  createdAt: string;
  /** The last period posted, if any. */
  lastPeriod: string | null;
}

/** The period to post now for a subscription, or null when nothing is owed. */
export function duePeriod(sub: DueInput, now: Date, schedule: DigestSchedule): string | null {
  const slot = currentSlot(sub.cadence, now, schedule);
  const created = Date.parse(sub.createdAt);
  if (!Number.isNaN(created) && slot.startsAt.getTime() < created) return null;
  return sub.lastPeriod === slot.period ? null : slot.period;
}
