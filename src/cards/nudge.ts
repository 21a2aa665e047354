/**
 * Cards of the nudge feature: the 1:1 nudge an admin receives, the delivery result that replaces the
 * channel card, the answers to "I've registered", the channel's "X registered" note and the digest.
 * Pure functions of their inputs; names from the tenant go into TextRuns (no markdown).
 */
import type { Digest, Cadence } from '../domain/digest';
import type { PolicyOutlook, SkipReason } from '../domain/nudge';
import { ROLE, roleInfo } from '../domain/roles';
import type { AdminRole } from '../domain/types';
import { card, execute, fitCard, heading, joinCapped, literal, nudgeCandidates, nudgePickerSection, para, plural, run, text, truncate } from './elements';
import { aftermathSection, utc } from './policy';
import { stuckAdmins, type EnforcementAftermath, type StuckAdmin } from '../domain/aftermath';
import { relativeTime } from './status';
import type { ActionExecute, ActionOpenUrl, AdaptiveCard, CardAction, CardElement, TextRun } from './types';
import { VERBS } from './verbs';

/** Microsoft's combined security info registration page (learn.microsoft.com/entra/identity/authentication/howto-registration-mfa-sspr-combined). */
export const REGISTER_URL = 'https://aka.ms/mysecurityinfo';

const CAP = { name: 64, upn: 80, role: 48, group: 40, reason: 300, tenant: 80, line: 400 } as const;

const registerAction: ActionOpenUrl = { type: 'Action.OpenUrl', title: 'Register now', url: REGISTER_URL };

/** What an attacker holding only the password could do with the role, worst roles first. */
const ROLE_RISK: ReadonlyArray<{ ids: readonly string[]; risk: string }> = [
  {
    ids: [ROLE.globalAdministrator, ROLE.privilegedRoleAdministrator, ROLE.privilegedAuthenticationAdministrator],
    risk: 'take over the whole tenant: every account, every setting and every admin role',
  },
  { ids: [ROLE.securityAdministrator, ROLE.conditionalAccessAdministrator], risk: 'switch off the protections that keep everyone else safe' },
  { ids: [ROLE.applicationAdministrator, ROLE.cloudApplicationAdministrator], risk: "give an app of their choosing access to your organisation's data" },
  { ids: [ROLE.hybridIdentityAdministrator], risk: 'change how on-premises accounts sign in to the cloud' },
  {
    ids: [ROLE.userAdministrator, ROLE.helpdeskAdministrator, ROLE.passwordAdministrator, ROLE.authenticationAdministrator],
    risk: "reset other people's passwords or sign-in methods and sign in as them",
  },
  { ids: [ROLE.exchangeAdministrator], risk: "read and forward everyone's mail" },
  { ids: [ROLE.sharePointAdministrator], risk: 'open every site and file in SharePoint and OneDrive' },
  { ids: [ROLE.teamsAdministrator], risk: 'change how everyone meets and chats in Teams' },
  { ids: [ROLE.billingAdministrator], risk: "buy, cancel or change your organisation's subscriptions" },
];

function riskOf(roles: readonly AdminRole[]): string {
  const ordered = [...roles].sort((a, b) => roleInfo(a.roleId).rank - roleInfo(b.roleId).rank);
  for (const role of ordered) {
    const found = ROLE_RISK.find((r) => r.ids.includes(role.roleId.toLowerCase()));
    if (found) return found.risk;
  }
  return 'use your admin role against your organisation';
}

/** "Global Administrator (eligible, via group Tier 0)". */
function describeRole(role: AdminRole, roleName: (id: string) => string): string {
  const qualifiers: string[] = [];
  if (role.activation === 'eligible') qualifiers.push('eligible: you activate it when needed');
  if (role.via === 'group') qualifiers.push(`through the group ${truncate(role.groupName ?? role.groupId ?? 'unknown', CAP.group)}`);
  const name = truncate(roleName(role.roleId), CAP.role);
  return qualifiers.length > 0 ? `${name} (${qualifiers.join(', ')})` : name;
}

export interface NudgeCardInput {
  /** Id of the nudge, carried by "I've registered" (the handler trusts only the clicker's identity). */
  batchId: string;
  admin: { displayName: string; userPrincipalName: string; roles: readonly AdminRole[]; mfaRegistered: boolean | null };
  /** Who asked for the nudge. */
  requestedBy: string;
  tenantName: string | null;
  /** Role names as the tenant reports them (custom or unknown roles). */
  roleNames?: Readonly<Record<string, string>>;
  /** This admin's roles for which Conditional Access already requires MFA. */
  enforcedRoleIds: readonly string[];
  outlook: PolicyOutlook;
  /** ISO time the enforced policy first stopped this admin at sign-in, when it did. */
  stoppedAt?: string;
}

function outlookText(input: NudgeCardInput, roleName: (id: string) => string): TextRun[] {
  const enforced = [...new Set(input.enforcedRoleIds)].map(roleName);
  if (enforced.length > 0) {
    return [
      run('Conditional Access already requires MFA for ', { color: 'attention' }),
      run(joinCapped(enforced, 3, 200), { weight: 'bolder' }),
      run('. You will be asked to register the next time you sign in with that role, and cannot use it until you do.'),
    ];
  }
  const o = input.outlook;
  switch (o.kind) {
    case 'enforced':
      return [run(`A Conditional Access policy requiring MFA for admin roles has been enforced since ${utc(o.since)}. Register before your next sign-in, or it will stop you.`)];
    case 'enforcePending':
      return [
        run('Coming soon: ', { weight: 'bolder', color: 'attention' }),
        run(`an approver has been asked (on ${utc(o.requestedAt)}) to enforce the policy that requires MFA for admin roles; the request is open until ${utc(o.until)}. Once enforced, you cannot sign in as an admin without MFA.`),
      ];
    case 'reportOnly':
      return [
        run('Coming: ', { weight: 'bolder' }),
        run(`a policy requiring MFA for admin roles has been running in report-only mode since ${utc(o.since)}. The approvers can enforce it at any time; then you cannot sign in as an admin without MFA.`),
      ];
    case 'none':
      return [run('No policy requires MFA for your admin roles yet. Your organisation is preparing one: registering now means it will not lock you out.')];
  }
}

/** The 1:1 nudge: which admin roles, why MFA matters for them, where to register, what is coming, who asked. */
export function nudgeCard(input: NudgeCardInput): AdaptiveCard {
  const names = input.roleNames ?? {};
  const roleName = (id: string): string => names[id] ?? roleInfo(id).displayName;
  const name = truncate(input.admin.displayName || input.admin.userPrincipalName, CAP.name);
  const roles = [...input.admin.roles].sort((a, b) => roleInfo(a.roleId).rank - roleInfo(b.roleId).rank).slice(0, 10);
  const stopped = input.stoppedAt !== undefined;
  const state = stopped
    ? `your admin sign-in on ${utc(input.stoppedAt)} was stopped because MFA is now required, and you have not signed in with MFA since`
    : input.admin.mfaRegistered === null
      ? 'MfaBot cannot find any MFA method registered for your account'
      : 'your account has no MFA method registered';
  const title = stopped && input.admin.mfaRegistered === true
    ? 'Please complete multifactor authentication (MFA) when you sign in'
    : 'Please register for multifactor authentication (MFA)';
  const tenant = input.tenantName ? ` in ${truncate(input.tenantName, CAP.tenant)}` : '';
  const body: CardElement[] = [
    text(title, { size: 'large', weight: 'bolder' }),
    para([
      run('Hi '), run(name, { weight: 'bolder' }), run(', '),
      run(truncate(input.requestedBy, CAP.name), { weight: 'bolder' }),
      run(` asked MfaBot to remind you: you hold admin roles${tenant}, and ${state}.`),
    ]),
    heading(roles.length === 1 ? 'Your admin role' : 'Your admin roles'),
    ...roles.map((r) => literal(`• ${describeRole(r, roleName)}`)),
    heading('Why it matters for you'),
    para([run(`With only your password, an attacker could ${riskOf(roles)}. Admin accounts are the first ones attackers go after; Microsoft reports that MFA blocks over 99.2% of account compromise attacks.`)]),
    heading('Is MFA going to be required?'),
    para(outlookText(input, roleName)),
    heading('How'),
    text('Open **Register now** (My Sign-Ins > Security info), choose **Add sign-in method** and set up Microsoft Authenticator or a security key. It takes about five minutes. Then click **I\'ve registered**.'),
  ];
  const actions: CardAction[] = [
    registerAction,
    execute(VERBS.nudgeConfirm, "I've registered", { data: { batchId: input.batchId }, style: 'positive' }),
  ];
  return card(body, actions);
}

/** A delivery result as the result card shows it (the store's DeliveryResult fits). */
export interface NudgeResultRow {
  userId: string;
  name: string | null;
  userPrincipalName: string | null;
  status: 'sent' | 'skipped' | 'failed' | 'queued';
  via?: 'conversation' | 'newChat' | 'installed';
  skip?: SkipReason;
  reason?: string;
  missing?: string;
}

export interface NudgeResultInput {
  requestedBy: string;
  at: string;
  results: readonly NudgeResultRow[];
  /** Relative times ("nudged 2 h ago") are measured from here. */
  now: Date;
  /** The same admin is nudged at most once per this many hours. */
  windowHours: number;
}

/** Why a chosen admin got no message, in words. */
export function skipText(reason: SkipReason, now: Date): string {
  switch (reason.kind) {
    case 'notAdmin': return 'not an admin in scope';
    case 'registered': return 'already registered';
    case 'recentlyNudged': return `nudged ${relativeTime(reason.lastAt, now) ?? 'recently'}`;
    case 'inProgress': return 'someone else is nudging them right now';
    case 'disabled': return 'account disabled';
    case 'breakGlass': return 'break-glass account';
    case 'invalid': return 'not a user id';
  }
}

const VIA_TEXT = {
  conversation: 'in their chat with MfaBot',
  newChat: 'new 1:1 chat with MfaBot',
  installed: 'MfaBot installed for them, new 1:1 chat',
} as const;

function who(row: NudgeResultRow): TextRun[] {
  const runs = [run(truncate(row.name || row.userPrincipalName || row.userId, CAP.name), { weight: 'bolder' })];
  if (row.userPrincipalName && row.name) runs.push(run(` · ${truncate(row.userPrincipalName, CAP.upn)}`, { isSubtle: true }));
  return runs;
}

/** The card that replaces the one clicked: sent, skipped (why) and failed (why) per chosen admin. */
export function nudgeResultCard(input: NudgeResultInput): AdaptiveCard {
  const sent = input.results.filter((r) => r.status === 'sent');
  const skipped = input.results.filter((r) => r.status === 'skipped');
  const failed = input.results.filter((r) => r.status === 'failed');
  const queued = input.results.filter((r) => r.status === 'queued');
  const counts = [`${sent.length} sent`, `${skipped.length} skipped`, `${failed.length} failed`, ...(queued.length > 0 ? [`${queued.length} queued`] : [])].join(', ');
  const build = (perSection: number): AdaptiveCard => {
    const section = (title: string, rows: readonly NudgeResultRow[], color: 'good' | 'warning' | 'attention', detail: (r: NudgeResultRow) => TextRun[]): CardElement[] => {
      if (rows.length === 0) return [];
      const out: CardElement[] = [heading(`${title} (${rows.length})`, { color })];
      for (const row of rows.slice(0, perSection)) out.push(para([...who(row), ...detail(row)], { spacing: 'small' }));
      if (rows.length > perSection) out.push(text(`and ${rows.length - perSection} more`, { isSubtle: true }));
      return out;
    };
    const body: CardElement[] = [
      text(`Nudges: ${counts}`, { size: 'large', weight: 'bolder' }),
      para([run('Asked by '), run(truncate(input.requestedBy, CAP.name), { weight: 'bolder' }), run(` · ${utc(input.at)}`, { isSubtle: true })], { spacing: 'none' }),
      ...section('Sent', sent, 'good', (r) => [run(` · ${r.via ? VIA_TEXT[r.via] : 'sent'}`)]),
      ...section('Skipped', skipped, 'warning', (r) => [run(` · ${r.skip ? skipText(r.skip, input.now) : 'skipped'}`)]),
      ...section('Failed', failed, 'attention', (r) => [
        run(` · ${truncate(r.reason ?? 'failed', CAP.reason)}`),
        ...(r.missing ? [run(` Needs: ${truncate(r.missing, 120)}.`, { weight: 'bolder' })] : []),
      ]),
      ...section('Queued', queued, 'warning', () => [run(' · MfaBot was restarting; it messages them as soon as it is back, and updates this card')]),
    ];
    if (sent.length > 0) {
      body.push(text(`Each admin got a 1:1 message with a link to register. When they click "I've registered" and Microsoft confirms it, MfaBot tells this conversation. Nobody is nudged more than once every ${plural(input.windowHours, 'hour')}.`, { isSubtle: true, spacing: 'medium' }));
    }
    return card(body, [execute(VERBS.statusRefresh, 'Show status', { associatedInputs: 'none' })]);
  };
  return fitCard(build, [200, 100, 50, 20, 10, 3, 0]);
}

/** Shown while the messages go out, when that takes longer than Teams waits for an answer. */
export function nudgeProgressCard(count: number | null, requestedBy: string): AdaptiveCard {
  return card([
    text(count === null ? 'Nudging the chosen admins…' : `Nudging ${plural(count, 'admin')}…`, { size: 'medium', weight: 'bolder' }),
    para([run('Asked by '), run(truncate(requestedBy, CAP.name), { weight: 'bolder' }), run('. The result for each admin will replace this card in a moment.')]),
  ]);
}

/** "I've registered" confirmed by Graph. */
export function registeredThanksCard(name: string, tellingChannel: boolean): AdaptiveCard {
  return card([
    para([run('Thank you, '), run(truncate(name, CAP.name), { weight: 'bolder' }), run('!')]),
    text('Microsoft confirms an MFA method is registered for your account. Your admin account is much harder to take over now.'),
    ...(tellingChannel ? [text('MfaBot is letting the people who asked know.', { isSubtle: true })] : []),
  ]);
}

/** "I've registered" that the registration report does not show yet. */
export function notYetCard(batchId: string, nextCheckAt: string | null): AdaptiveCard {
  const when = nextCheckAt ? ` (next around ${utc(nextCheckAt)})` : '';
  return card([
    text('Not confirmed yet', { size: 'medium', weight: 'bolder' }),
    text(`Microsoft's registration report does not show an MFA method for your account yet. The report can lag by a few hours behind what you did, so this is normal right after registering.`),
    text(nextCheckAt
      ? `MfaBot will check again${when} and tell the people who asked as soon as it shows up. Nothing else to do.`
      : 'MfaBot has checked several times without seeing it. If you have not finished, open Register now; if you have, click I\'ve registered again later.'),
  ], [registerAction, execute(VERBS.nudgeConfirm, "I've registered", { data: { batchId }, style: 'positive' })]);
}

/** Posted in the conversation that asked for the nudge. */
export function registeredNoticeCard(name: string, userPrincipalName: string | null, at: string): AdaptiveCard {
  return card([
    para([run(truncate(name, CAP.name), { weight: 'bolder' }), run(' registered for MFA', { color: 'good' })]),
    para([run(`${userPrincipalName ? `${truncate(userPrincipalName, CAP.upn)} · ` : ''}confirmed by Microsoft's registration report ${utc(at)}`, { isSubtle: true })], { spacing: 'none' }),
  ]);
}

export interface DigestCardOptions {
  cadence: Cadence;
  /** "08:00 UTC" and the weekday, for the footer. */
  schedule: { hourUtc: number; weekday: number };
  /** The policy button the status card would offer now. */
  policyAction: 'create' | 'enable' | null;
  /** For the days after MfaBot enforced its policy: who it stopped at sign-in, and who got through. */
  aftermath?: EnforcementAftermath | null;
  maxAdminsListed: number;
  now: Date;
  nudgeHistory?: Readonly<Record<string, { count: number; lastAt: string }>>;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${Math.round((part / whole) * 100)}%`;
}

/** The scheduled digest: coverage now vs last time, who registered since, who is missing, and the status card's buttons. */
export function digestCard(digest: Digest, opts: DigestCardOptions): AdaptiveCard {
  const build = (limit: number): AdaptiveCard => {
    const { totals } = digest;
    const title = `${opts.cadence === 'daily' ? 'Daily' : 'Weekly'} admin MFA digest`;
    const body: CardElement[] = [
      text(title, { size: 'large', weight: 'bolder' }),
      para([
        run(`${totals.registered} of ${plural(totals.admins, 'admin')} registered for MFA (${percent(totals.registered, totals.admins)})`, { weight: 'bolder' }),
        ...(digest.tenantName ? [run(` · ${truncate(digest.tenantName, CAP.tenant)}`, { isSubtle: true })] : []),
      ], { spacing: 'none' }),
    ];
    if (digest.previous) {
      const delta = totals.registered - digest.previous.registered;
      body.push(para([run(`Last digest (${utc(digest.previous.at)}): ${digest.previous.registered} of ${digest.previous.admins} registered (${percent(digest.previous.registered, digest.previous.admins)}) · ${delta >= 0 ? '+' : ''}${delta} since`, { isSubtle: true })], { spacing: 'none' }));
    } else {
      body.push(text('First digest for this channel.', { isSubtle: true, spacing: 'none' }));
    }
    if (digest.registeredSince.length > 0) {
      body.push(heading(`Registered since the last digest (${digest.registeredSince.length})`, { color: 'good' }));
      body.push(para([run(joinCapped(digest.registeredSince.map((p) => truncate(p.displayName || p.userPrincipalName, CAP.name)), Math.max(limit, 3), 1_500))]));
    }
    if (digest.leftScope > 0) body.push(text(`${plural(digest.leftScope, 'admin')} missing last time no longer ${digest.leftScope === 1 ? 'holds' : 'hold'} a role in scope.`, { isSubtle: true }));
    if (digest.missing.length === 0) {
      body.push(text('Every admin is registered for MFA.', { color: 'good', weight: 'bolder', spacing: 'medium' }));
    } else {
      body.push(heading(`Still missing (${digest.missing.length})`, { color: 'attention' }));
      const fresh = new Set(digest.newlyMissing.map((a) => a.id));
      for (const admin of digest.missing.slice(0, limit)) {
        const runs: TextRun[] = [run(truncate(admin.displayName || admin.userPrincipalName, CAP.name), { weight: 'bolder' }), run(` · ${truncate(admin.userPrincipalName, CAP.upn)}`, { isSubtle: true })];
        if (admin.mfaRegistered === null) runs.push(run(' · unknown: no registration row', { color: 'warning' }));
        if (fresh.has(admin.id)) runs.push(run(' · new since the last digest', { color: 'attention' }));
        const nudged = opts.nudgeHistory?.[admin.id.toLowerCase()];
        if (nudged && nudged.count > 0) runs.push(run(` · nudged ${nudged.count}× · last ${relativeTime(nudged.lastAt, opts.now) ?? 'recently'}`, { isSubtle: true }));
        body.push(para(runs, { spacing: 'small' }));
      }
      if (digest.missing.length > limit) body.push(text(`and ${digest.missing.length - limit} more`, { isSubtle: true }));
    }
    body.push(para([
      run('Conditional Access: ', { weight: 'bolder' }),
      digest.covered
        ? run('MFA is enforced for every admin role in scope.', { color: 'good' })
        : run(`MFA is not enforced for ${plural(digest.uncoveredRoles, 'admin role')} in scope. Type "status" for the details.`, { color: 'attention' }),
    ], { spacing: 'medium' }));
    if (opts.aftermath) body.push(...aftermathSection(opts.aftermath, Math.max(limit, 3)));
    body.push(...nudgePicker(digest, limit, stuckAdmins(opts.aftermath)));
    const when = opts.cadence === 'daily'
      ? `every day at ${String(opts.schedule.hourUtc).padStart(2, '0')}:00 UTC`
      : `every ${WEEKDAYS[opts.schedule.weekday] ?? 'Monday'} at ${String(opts.schedule.hourUtc).padStart(2, '0')}:00 UTC`;
    body.push(text(`Posted here ${when}. Type "unsubscribe" (mentioning MfaBot) to stop.`, { isSubtle: true, size: 'small', spacing: 'medium' }));
    const actions: ActionExecute[] = [execute(VERBS.statusRefresh, 'Refresh', { associatedInputs: 'none' })];
    if (opts.policyAction === 'enable') actions.push(execute(VERBS.policyEnable, 'Enforce policy', { style: 'destructive', associatedInputs: 'none' }));
    if (opts.policyAction === 'create') actions.push(execute(VERBS.policyCreate, 'Create policy (report-only)', { style: 'positive', associatedInputs: 'none' }));
    return card(body, actions);
  };
  const top = Math.max(0, Math.floor(opts.maxAdminsListed));
  return fitCard(build, [...new Set([top, Math.min(top, 10), Math.min(top, 5), 0])]);
}

function nudgePicker(digest: Digest, limit: number, stuck: readonly StuckAdmin[]): CardElement[] {
  return nudgePickerSection(nudgeCandidates(digest.missing, stuck), Math.min(limit * 4, 100));
}
