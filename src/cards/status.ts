/**
 * The status card: how many admins are registered for MFA, whether Conditional Access enforces it,
 * who is missing, and the buttons to refresh, create the policy and nudge. A pure function of the
 * report, the options and `now`; the result always fits in MAX_CARD_BYTES.
 */
import { worstFirst } from '../domain/admins';
import { describeGap } from '../domain/coverageWords';
import { adminGapGroups, adminWithRoles, policyGapGroups, type AdminGapGroup } from '../domain/gapGroups';
import { listWords } from '../domain/signInSpace';
import type { ImpactSummary } from '../domain/impact';
import { aftermathSection, impactSection } from './policy';
import { stuckAdmins, type EnforcementAftermath } from '../domain/aftermath';
import type { Admin, AdminRole, RoleCoverage } from '../domain/types';
import type { Advice, RoleSummary, StatusReport } from '../domain/report';
import { roleInfo } from '../domain/roles';
import {
  MAX_CARD_BYTES, card, execute, fitCard, heading, joinCapped, literal, nudgeCandidates, nudgePickerSection, para, plural, run, text, truncate,
} from './elements';
import type {
  ActionExecute, AdaptiveCard, CardElement, ChartDonut, Color, Container, Table,
  TableCell, TableRow, TextRun,
} from './types';
import { VERBS } from './verbs';

export interface NudgeHistoryEntry {
  count: number;
  /** ISO time of the last nudge. */
  lastAt: string;
}

export interface StatusCardOptions {
  /** The time relative times ("3 h ago") are measured from. */
  now: Date;
  /** Unregistered admins listed by name before "and N more" (default 15). */
  maxAdminsListed?: number;
  /** Nudges already sent, by user id. */
  nudgeHistory?: Readonly<Record<string, NudgeHistoryEntry>>;
  /**
   * Whether the viewer may create the policy (default true). False shows why instead of the button;
   * the handler checks again either way.
   */
  canCreatePolicy?: boolean;
  /**
   * What enforcing MfaBot's report-only policy would do, while that policy exists and is report-only:
   * the card then offers Enforce instead of Create.
   */
  impact?: ImpactSummary | null;
  /** For the days after MfaBot enforced its policy: who it stopped at sign-in, and who got through. */
  aftermath?: EnforcementAftermath | null;
}

/** How much of each long list one rendering shows; `fitCard` walks these from large to small. */
interface Limits {
  admins: number;
  choices: number;
  uncoveredRoles: number;
  gapsPerRole: number;
  /** Groups of admins who can sign in without MFA the same way, each one line. */
  adminGaps: number;
  /** Admins named in each of those lines before "and N more". */
  namesPerGap: number;
  prose: ProseCaps;
}

/** Caps on the free-text sections, which the last steps shorten too. */
interface ProseCaps {
  tenantName: number;
  scoreStatus: number;
  caveats: number;
  caveatText: number;
  missingText: number;
  advice: number;
  adviceText: number;
  servicePrincipalNames: number;
  reasonText: number;
}

const FULL_PROSE: ProseCaps = {
  tenantName: 80,
  scoreStatus: 160,
  caveats: 9,
  caveatText: 240,
  missingText: 120,
  advice: 8,
  adviceText: 400,
  servicePrincipalNames: 5,
  reasonText: 300,
};

/** Worst case at 4 UTF-8 bytes a character, this and the role table still leave room for the rest. */
const BRIEF_PROSE: ProseCaps = {
  tenantName: 40,
  scoreStatus: 60,
  caveats: 4,
  caveatText: 120,
  missingText: 60,
  advice: 4,
  adviceText: 240,
  servicePrincipalNames: 0,
  reasonText: 150,
};

export const DEFAULT_MAX_ADMINS_LISTED = 15;
/** Most admins offered in the nudge picker besides "All unregistered admins". */
export const MAX_NUDGE_CHOICES = 100;
/** At most this many uncovered roles are detailed (the default scope has 14 roles). */
export const MAX_UNCOVERED_ROLES = 14;

/** Caps on names and lists that hold at every step; with them the smallest step fits any tenant. */
const CAP = {
  displayName: 64,
  upn: 80,
  roleName: 48,
  groupName: 40,
  adminRolesText: 140,
  choiceTitle: 90,
  policyName: 60,
  gapReason: 160,
  /** One admin gap line: who (capped names), how, and the closest policies with why. */
  gapSentence: 700,
  excludedNames: 300,
  uncoveredTextBudget: 2_400,
  coveredListText: 400,
  tableRoles: 16,
  servicePrincipalName: 48,
} as const satisfies Readonly<Record<string, number>>;

/** Shown for an uncovered role whose report names no gap at all. */
const NO_POLICY_TEXT = 'no enabled policy requires MFA for this role';

const ADVICE_COLOR = {
  good: 'good',
  warning: 'warning',
  attention: 'attention',
} as const satisfies Record<Advice['severity'], Color>;

/** Renders the status report as one Teams card, under MAX_CARD_BYTES for any tenant size. */
export function statusCard(report: StatusReport, opts: StatusCardOptions): AdaptiveCard {
  const maxListed = Math.max(0, Math.floor(opts.maxAdminsListed ?? DEFAULT_MAX_ADMINS_LISTED));
  const ctx = prepare(report, opts);
  return fitCard((limits: Limits) => render(ctx, limits), limitsLadder(maxListed), MAX_CARD_BYTES);
}

/**
 * Steps from the full rendering down to one that names nobody: the picker shrinks first, then runaway
 * prose is cut (real advice and caveats are shorter than the brief caps), then the gaps and the list.
 */
function limitsLadder(maxListed: number): Limits[] {
  const [full, brief] = [FULL_PROSE, BRIEF_PROSE];
  const steps: Limits[] = [
    { admins: maxListed, choices: MAX_NUDGE_CHOICES, uncoveredRoles: MAX_UNCOVERED_ROLES, gapsPerRole: 3, adminGaps: 8, namesPerGap: 3, prose: full },
    { admins: maxListed, choices: 50, uncoveredRoles: MAX_UNCOVERED_ROLES, gapsPerRole: 3, adminGaps: 8, namesPerGap: 3, prose: full },
    { admins: maxListed, choices: 25, uncoveredRoles: MAX_UNCOVERED_ROLES, gapsPerRole: 2, adminGaps: 6, namesPerGap: 3, prose: full },
    { admins: maxListed, choices: 25, uncoveredRoles: MAX_UNCOVERED_ROLES, gapsPerRole: 2, adminGaps: 5, namesPerGap: 2, prose: brief },
    { admins: 10, choices: 10, uncoveredRoles: MAX_UNCOVERED_ROLES, gapsPerRole: 1, adminGaps: 4, namesPerGap: 2, prose: brief },
    { admins: 5, choices: 5, uncoveredRoles: 7, gapsPerRole: 1, adminGaps: 3, namesPerGap: 1, prose: brief },
    { admins: 3, choices: 0, uncoveredRoles: 3, gapsPerRole: 1, adminGaps: 2, namesPerGap: 1, prose: brief },
    { admins: 0, choices: 0, uncoveredRoles: 0, gapsPerRole: 0, adminGaps: 1, namesPerGap: 0, prose: brief },
  ];
  return steps.map((s) => ({ ...s, admins: Math.min(s.admins, maxListed) }));
}

/** What every rendering needs, computed once (sorting 5,000 admins is not repeated per step). */
interface Context {
  report: StatusReport;
  opts: StatusCardOptions;
  /** Unregistered (false) and unknown (null) admins, worst first (most dangerous role, then UPN). */
  missing: Admin[];
  /** Admins who can sign in without MFA, grouped by how and why (the same gap sentence). */
  adminGaps: AdminGapGroup[];
  rankOf: (roleId: string) => number;
  roleName: (roleId: string) => string;
  policyName: (policyId: string) => string;
}

function prepare(report: StatusReport, opts: StatusCardOptions): Context {
  const summaries = new Map<string, RoleSummary>(report.roles.map((r) => [r.roleId, r]));
  const rankOf = (roleId: string): number => summaries.get(roleId)?.rank ?? roleInfo(roleId).rank;
  const roleName = (roleId: string): string =>
    truncate(summaries.get(roleId)?.displayName ?? roleInfo(roleId).displayName, CAP.roleName);

  const policyNames = new Map<string, string>(Object.entries(report.policyNames ?? {}));
  for (const role of report.policy.roles) {
    for (const gap of role.gaps) if (gap.policyName) policyNames.set(gap.policyId, gap.policyName);
  }
  // The report names only policies that leave a gap somewhere; a covering policy may be known by id alone.
  const policyName = (policyId: string): string =>
    policyNames.has(policyId) ? truncate(policyNames.get(policyId) ?? '', CAP.policyName) : `policy ${policyId}`;

  const missing = worstFirst(report.admins.filter((a) => a.mfaRegistered !== true));
  return { report, opts, missing, adminGaps: adminGapGroups(report, rankOf), rankOf, roleName, policyName };
}

function render(ctx: Context, limits: Limits): AdaptiveCard {
  const { prose } = limits;
  const body: CardElement[] = [
    ...headline(ctx.report, prose),
    ...chart(ctx.report),
    secureScore(ctx.report, prose),
    ...caveats(ctx.report, prose),
    ...roleTable(ctx),
    ...missingAdmins(ctx, limits),
    ...conditionalAccess(ctx, limits),
    ...pimActivation(ctx, prose),
    ...(ctx.opts.impact ? impactSection(ctx.opts.impact) : []),
    ...(ctx.opts.aftermath ? aftermathSection(ctx.opts.aftermath, Math.max(limits.namesPerGap * 3, 3)) : []),
    ...advice(ctx.report, prose),
    ...servicePrincipals(ctx.report, prose),
    ...actionNotes(ctx, prose),
    ...nudgePicker(ctx, limits),
  ];
  const actions: ActionExecute[] = [
    execute(VERBS.statusRefresh, 'Refresh', { associatedInputs: 'none' }),
  ];
  if (ctx.opts.impact) {
    actions.push(execute(VERBS.policyEnable, 'Enforce policy', { style: 'destructive', associatedInputs: 'none' }));
  } else if (canOfferCreate(ctx)) {
    actions.push(execute(VERBS.policyCreate, 'Create policy (report-only)', { style: 'positive', associatedInputs: 'none' }));
  }
  if (ctx.report.pimFix.allowed) {
    // The roles are a wish: the server acts only on those it finds lacking MFA when the click arrives.
    actions.push(execute(VERBS.pimRequireMfa, 'Require MFA on activation', { data: { roleIds: ctx.report.pimFix.roleIds }, associatedInputs: 'none' }));
  }
  return card(body, actions);
}

function headline(report: StatusReport, prose: ProseCaps): CardElement[] {
  const { admins, registered } = report.totals;
  const title = admins === 0
    ? 'No admins hold a role in scope'
    : `${registered} of ${plural(admins, 'admin')} ${admins === 1 ? 'is' : 'are'} registered for MFA`;
  const tenant = truncate(report.tenantName ?? report.tenantId, prose.tenantName);
  const elements: CardElement[] = [
    text(title, { size: 'large', weight: 'bolder' }),
    para([run(tenant), run(` · as of ${utcTime(report.generatedAt)}`, { isSubtle: true })], { spacing: 'none' }),
  ];
  if (report.registrationSource === 'authenticationMethods') {
    elements.push(text('Read from each admin\'s authentication methods: the registration report needs Entra ID P1 or P2.', { isSubtle: true, spacing: 'none' }));
  }
  if (report.caveats.length > 0) {
    elements.push(text(
      `Partial data: ${plural(report.caveats.length, 'part')} of the tenant could not be read, so these numbers may be incomplete (details below).`,
      { color: 'warning', spacing: 'small' },
    ));
  }
  return elements;
}

function chart(report: StatusReport): CardElement[] {
  const { admins, registered, unregistered, unknown } = report.totals;
  if (admins === 0) return [];
  const donut: ChartDonut = {
    type: 'Chart.Donut',
    title: 'Admin MFA registration',
    data: [
      { legend: 'Registered', value: registered, color: 'good' },
      { legend: 'Not registered', value: unregistered, color: 'attention' },
      { legend: 'Unknown', value: unknown, color: 'warning' },
    ],
    fallback: text(`Registered: ${registered} · Not registered: ${unregistered} · Unknown: ${unknown}`),
  };
  return [donut];
}

function secureScore(report: StatusReport, prose: ProseCaps): CardElement {
  const label = run('Secure Score · Require MFA for administrative roles: ', { weight: 'bolder' });
  const score = report.secureScore;
  if (!score || score.score === null) {
    const why = report.caveats.find((c) => c.area === 'secureScore');
    const detail = why ? `not available (${truncate(why.message, prose.caveatText)})` : 'not available';
    return para([label, run(detail, { isSubtle: true })], { spacing: 'medium' });
  }
  const points = score.maxScore === null
    ? `${formatPoints(score.score)} points`
    : `${formatPoints(score.score)} of ${formatPoints(score.maxScore)} points`;
  const runs: TextRun[] = [label, run(points)];
  if (score.implementationStatus) {
    runs.push(run(` · ${truncate(score.implementationStatus, prose.scoreStatus)}`, { isSubtle: true }));
  }
  return para(runs, { spacing: 'medium' });
}

function caveats(report: StatusReport, prose: ProseCaps): CardElement[] {
  if (report.caveats.length === 0) return [];
  const shown = report.caveats.slice(0, prose.caveats);
  const items: CardElement[] = [heading('Partial data: some of the tenant could not be read', { color: 'warning', spacing: 'none' })];
  for (const caveat of shown) {
    const message = truncate(caveat.message, prose.caveatText);
    const runs = [run(/[.!?…]$/.test(message) ? message : `${message}.`)];
    if (caveat.missing) runs.push(run(` Needs: ${truncate(caveat.missing, prose.missingText)}.`, { weight: 'bolder' }));
    items.push(para(runs));
  }
  if (report.caveats.length > shown.length) items.push(text(`and ${report.caveats.length - shown.length} more`, { isSubtle: true }));
  const box: Container = { type: 'Container', style: 'warning', spacing: 'medium', items };
  return [box];
}

function roleTable(ctx: Context): CardElement[] {
  const rows = ctx.report.roles.filter((r) => r.admins > 0 || !r.coverage.covered);
  if (rows.length === 0) return [];
  const shown = rows.slice(0, CAP.tableRoles);
  // Cells stay lean (no wrap on short numbers): the table is most of the card's fixed size.
  const cell = (value: string, style: { color?: Color; bold?: boolean; wrap?: boolean } = {}): TableCell => ({
    type: 'TableCell',
    items: [{
      type: 'TextBlock',
      text: value,
      ...(style.wrap ? { wrap: true } : {}),
      ...(style.color ? { color: style.color } : {}),
      ...(style.bold ? { weight: 'bolder' } : {}),
    }],
  });
  // Role names come from the tenant for custom roles, so that cell is literal text.
  const roleCell = (value: string): TableCell => ({ type: 'TableCell', items: [literal(value)] });
  const header = ['Role', 'Admins', 'Active', 'Eligible', 'Unregistered', 'CA enforces MFA'];
  const table: Table = {
    type: 'Table',
    spacing: 'medium',
    firstRowAsHeader: true,
    showGridLines: false,
    columns: [{ width: 4 }, { width: 1 }, { width: 1 }, { width: 1 }, { width: 2 }, { width: 2 }],
    rows: [
      { type: 'TableRow', cells: header.map((h) => cell(h, { bold: true, wrap: true })) },
      ...shown.map((r) => ({
        type: 'TableRow',
        cells: [
          roleCell(ctx.roleName(r.roleId)),
          cell(String(r.admins)),
          cell(String(r.active)),
          cell(String(r.eligible)),
          cell(r.unknown > 0 ? `${r.unregistered} (+${r.unknown} unknown)` : String(r.unregistered), {
            wrap: r.unknown > 0,
            ...(r.unregistered + r.unknown > 0 ? { color: 'attention' as const } : {}),
          }),
          roleCoverageCell(r, cell),
        ],
      }) satisfies TableRow),
    ],
  };
  const elements: CardElement[] = [heading('Admin roles'), table];
  if (rows.length > shown.length) elements.push(text(`and ${plural(rows.length - shown.length, 'more role')}`, { isSubtle: true }));
  return elements;
}

/**
 * The role's own verdict (would any admin holding it be covered), and when its holders fare worse
 * than the role, how many of them can still sign in without MFA.
 */
function roleCoverageCell(r: RoleSummary, cell: (value: string, style?: { color?: Color; wrap?: boolean }) => TableCell): TableCell {
  if (!r.coverage.covered) return cell('No', { color: 'attention' });
  if (r.caUncovered > 0) return cell(`Yes, but not for ${plural(r.caUncovered, 'admin')}`, { color: 'warning', wrap: true });
  return cell('Yes', { color: 'good' });
}

function missingAdmins(ctx: Context, limits: Limits): CardElement[] {
  const { missing } = ctx;
  // When everyone is registered the headline says so.
  if (missing.length === 0) return [];
  const shown = missing.slice(0, limits.admins);
  const elements: CardElement[] = [heading(`Not registered for MFA (${missing.length})`)];
  for (const admin of shown) elements.push(adminRow(ctx, admin));
  if (missing.length > shown.length) {
    elements.push(text(
      shown.length === 0 ? 'None listed here, to keep the card small; "All unregistered admins" below reaches every one.' : `and ${missing.length - shown.length} more`,
      { isSubtle: true },
    ));
  }
  return elements;
}

function adminRow(ctx: Context, admin: Admin): CardElement {
  const runs: TextRun[] = [
    run(truncate(admin.displayName || admin.userPrincipalName, CAP.displayName), { weight: 'bolder' }),
    run(` · ${truncate(admin.userPrincipalName, CAP.upn)}`),
    run(` · ${adminRoles(ctx, admin.roles)}`, { isSubtle: true }),
  ];
  if (admin.mfaRegistered === null) {
    const why = ctx.report.registrationSource === 'authenticationMethods' ? 'methods could not be read' : 'no registration row';
    runs.push(run(` · unknown: ${why}`, { color: 'warning' }));
  }
  if (admin.accountEnabled === false) runs.push(run(' · account disabled', { isSubtle: true }));
  const nudged = ctx.opts.nudgeHistory?.[admin.id];
  if (nudged && nudged.count > 0) {
    const when = relativeTime(nudged.lastAt, ctx.opts.now);
    runs.push(run(` · nudged ${nudged.count}×${when ? ` · last ${when}` : ''}`, { isSubtle: true }));
  }
  return para(runs, { spacing: 'small' });
}

/** "Global Administrator (eligible), Exchange Administrator (via group Tier 1)", worst role first. */
function adminRoles(ctx: Context, roles: readonly AdminRole[]): string {
  const ordered = [...roles].sort((a, b) =>
    ctx.rankOf(a.roleId) - ctx.rankOf(b.roleId) || Number(a.activation === 'eligible') - Number(b.activation === 'eligible'));
  const described = ordered.map((role) => {
    const qualifiers: string[] = [];
    if (role.activation === 'eligible') qualifiers.push('eligible');
    if (role.via === 'group') qualifiers.push(`via group ${truncate(role.groupName ?? role.groupId ?? 'unknown', CAP.groupName)}`);
    const name = ctx.roleName(role.roleId);
    return qualifiers.length > 0 ? `${name} (${qualifiers.join(', ')})` : name;
  });
  return joinCapped([...new Set(described)], 3, CAP.adminRolesText);
}

function conditionalAccess(ctx: Context, limits: Limits): CardElement[] {
  const { policy } = ctx.report;
  const elements: CardElement[] = [heading('Conditional Access'), ...adminCoverage(ctx, limits)];
  if (policy.covered) {
    const ids = [...new Set(policy.roles.flatMap((r) => r.coveredBy))];
    const names = ids.length > 0 ? joinCapped(ids.map(ctx.policyName), 5, CAP.coveredListText) : 'your policies';
    elements.push(para([run('MFA is enforced for every admin role in scope by ', { color: 'good' }), run(names)], { spacing: 'small' }));
    return elements;
  }
  const uncovered = uncoveredRoles(ctx);
  elements.push(text(`MFA is not enforced for ${plural(uncovered.length, 'admin role')} in scope. Why, policy by policy:`, { color: 'attention', spacing: 'small' }));
  // One line per policy and reason, not per role: the same gap usually spans many roles.
  const groups = policyGapGroups(uncovered, NO_POLICY_TEXT);
  let budget: number = CAP.uncoveredTextBudget;
  let listed = 0;
  for (const group of groups) {
    if (listed >= limits.uncoveredRoles || budget <= 0) break;
    const roles = group.roleIds.length === uncovered.length && uncovered.length > 1
      ? `all ${plural(uncovered.length, 'uncovered role')}`
      : joinCapped(group.roleIds.map(ctx.roleName), 4, CAP.coveredListText);
    const runs = group.policyId
      ? [run(`${ctx.policyName(group.policyId)}: `, { weight: 'bolder' }), run(truncate(group.reason, CAP.gapReason)), run(` (${roles})`, { isSubtle: true })]
      : [run('No policy: ', { weight: 'bolder' }), run(`${NO_POLICY_TEXT} (${roles})`)];
    budget -= runs.reduce((n, r) => n + r.text.length, 0);
    elements.push(para(runs, { spacing: 'small' }));
    listed += 1;
  }
  if (groups.length > listed) {
    elements.push(text(`and ${plural(groups.length - listed, 'more policy gap', 'more policy gaps')}`, { isSubtle: true }));
  }
  const covered = ctx.report.roles.filter((r) => r.coverage.covered).map((r) => ctx.roleName(r.roleId));
  elements.push(para([
    run('Covered: ', { weight: 'bolder' }),
    run(covered.length > 0 ? joinCapped(covered, 20, CAP.coveredListText) : 'none'),
  ], { spacing: 'small' }));
  return elements;
}

/**
 * Per admin: who can sign in without MFA and how, one line per group of admins whose gap reads the
 * same (the widest first, naming the first few), who is left out on purpose, and that eligible admins
 * were judged as if activated.
 */
function adminCoverage(ctx: Context, limits: Limits): CardElement[] {
  const { report } = ctx;
  const ca = report.adminCa;
  const elements: CardElement[] = [];
  if (report.totals.admins === 0) return elements;
  if (ca.uncovered === 0) {
    elements.push(text(
      ca.covered === report.totals.admins
        ? `Every admin (${report.totals.admins}) must use MFA on every sign-in.`
        : `Every admin not left out on purpose (${ca.covered} of ${report.totals.admins}) must use MFA on every sign-in.`,
      { color: 'good', spacing: 'none' },
    ));
  } else if (report.securityDefaultsEnabled === true) {
    // Security defaults make admin roles use MFA, whatever Conditional Access (which is then off) says.
    elements.push(text(
      `Security defaults require MFA of admins; Conditional Access alone would leave ${ca.uncovered} of ${plural(report.totals.admins, 'admin')} a way in without it:`,
      { color: 'warning', spacing: 'none' },
    ));
  } else {
    elements.push(text(
      `${ca.uncovered} of ${plural(report.totals.admins, 'admin')} can sign in without MFA:`,
      { color: 'attention', spacing: 'none', weight: 'bolder' },
    ));
  }
  if (ca.uncovered > 0) {
    const shown = ctx.adminGaps.slice(0, limits.adminGaps);
    for (const group of shown) elements.push(adminGapLine(ctx, group, limits.namesPerGap));
    const rest = ctx.adminGaps.slice(shown.length);
    if (rest.length > 0) {
      const admins = rest.reduce((n, g) => n + g.admins.length, 0);
      elements.push(text(`and ${plural(rest.length, 'more way')} in without MFA, for ${plural(admins, 'more admin')}`, { isSubtle: true }));
    }
  }
  const excluded = report.admins.filter((a) => a.ca?.caCovered === 'excluded');
  if (excluded.length > 0) {
    const glass = excluded.filter((a) => a.ca?.sanctionedExclusion?.kind === 'breakGlass');
    const others = excluded.length - glass.length;
    const names = glass.map((a) => truncate(a.displayName || a.userPrincipalName, CAP.displayName));
    const parts = [
      ...(glass.length > 0 ? [`${joinCapped(names, 3, CAP.excludedNames)} (break-glass)`] : []),
      ...(others > 0 ? [`${plural(others, 'member')} of declared exclusion groups`] : []),
    ];
    elements.push(para([run('Left out on purpose: ', { weight: 'bolder' }), run(`${parts.join('; ')}.`, { isSubtle: true })], { spacing: 'small' }));
  }
  if (report.admins.some((a) => (a.ca?.evaluatedAsActivated.length ?? 0) > 0)) {
    elements.push(text(
      'PIM-eligible admins are judged as if they had activated their roles: Conditional Access sees a role only while it is active.',
      { isSubtle: true, spacing: 'small' },
    ));
  }
  return elements;
}

/** "12 admins · Brian Ortiz (Exchange Administrator), … and 10 more can sign in with …". */
function adminGapLine(ctx: Context, group: AdminGapGroup, names: number): CardElement {
  const shown = group.admins.slice(0, names).map((a) => adminWithRoles(
    { ...a, displayName: truncate(a.displayName || a.userPrincipalName, CAP.displayName) }, ctx.roleName, ctx.rankOf,
  ));
  const rest = group.admins.length - shown.length;
  const who = shown.length === 0 ? plural(group.admins.length, 'admin') : listWords([...shown, ...(rest > 0 ? [`${rest} more`] : [])]);
  const count = group.admins.length === 1 ? '' : `${plural(group.admins.length, 'admin')} · `;
  return para([
    ...(count ? [run(count, { weight: 'bolder' })] : []),
    run(truncate(describeGap(who, group.gap), CAP.gapSentence)),
  ], { spacing: 'small' });
}

/** Uncovered roles worst first: the report's role order, then any the policy check names that it lacks. */
function uncoveredRoles(ctx: Context): RoleCoverage[] {
  const fromSummaries = ctx.report.roles.filter((r) => !r.coverage.covered).map((r) => r.coverage);
  const known = new Set(ctx.report.roles.map((r) => r.roleId));
  const extra = ctx.report.policy.roles.filter((r) => !r.covered && !known.has(r.roleId));
  return [...fromSummaries, ...extra];
}

/**
 * PIM: per role, does activating it demand MFA (roles alike in one line: MFA, an authentication
 * context a policy protects, neither and why, unknown). Left out where PIM's settings are unknown for
 * want of P2: the caveat says so.
 */
function pimActivation(ctx: Context, prose: ProseCaps): CardElement[] {
  const verdicts = ctx.report.pimActivation;
  if (verdicts.length === 0 || (ctx.report.licence !== 'p2' && verdicts.every((v) => v.requiresMfa === null))) return [];
  const groups = new Map<string, { requiresMfa: boolean | null; reason: string; roleIds: string[] }>();
  for (const v of verdicts) {
    const key = `${String(v.requiresMfa)}|${v.reason}`;
    const group = groups.get(key) ?? { requiresMfa: v.requiresMfa, reason: v.reason, roleIds: [] };
    group.roleIds.push(v.roleId);
    groups.set(key, group);
  }
  // Roles that lack MFA first, then the unknown, then the good news.
  const order = (g: { requiresMfa: boolean | null }): number => (g.requiresMfa === false ? 0 : g.requiresMfa === null ? 1 : 2);
  const sorted = [...groups.values()].sort((a, b) => order(a) - order(b) || ctx.rankOf(a.roleIds[0] ?? '') - ctx.rankOf(b.roleIds[0] ?? ''));
  const elements: CardElement[] = [heading('PIM: does activating a role demand MFA?')];
  for (const g of sorted.slice(0, 6)) {
    const roles = [...g.roleIds].sort((a, b) => ctx.rankOf(a) - ctx.rankOf(b)).map(ctx.roleName);
    const label = g.requiresMfa === true ? 'Yes' : g.requiresMfa === false ? 'No' : 'Unknown';
    const color = g.requiresMfa === true ? 'good' : g.requiresMfa === false ? 'attention' : 'warning';
    elements.push(para([
      run(`${label}: `, { weight: 'bolder', color }),
      run(`${joinCapped(roles, 14, CAP.coveredListText)} · `),
      run(truncate(g.reason, prose.reasonText), { isSubtle: true }),
    ], { spacing: 'small' }));
  }
  if (sorted.length > 6) elements.push(text(`and ${sorted.length - 6} more`, { isSubtle: true }));
  if (!ctx.report.pimFix.allowed && verdicts.some((v) => v.requiresMfa === false)) {
    elements.push(para([run('Require MFA on activation: ', { weight: 'bolder' }), run(truncate(ctx.report.pimFix.reason, prose.reasonText))], { spacing: 'small' }));
  }
  return elements;
}

function advice(report: StatusReport, prose: ProseCaps): CardElement[] {
  if (report.advice.length === 0) return [];
  const shown = report.advice.slice(0, prose.advice);
  const elements: CardElement[] = [heading('Advice')];
  for (const item of shown) elements.push(literal(truncate(item.text, prose.adviceText), { color: ADVICE_COLOR[item.severity] }));
  if (report.advice.length > shown.length) elements.push(text(`and ${report.advice.length - shown.length} more`, { isSubtle: true }));
  return elements;
}

function servicePrincipals(report: StatusReport, prose: ProseCaps): CardElement[] {
  const sps = report.servicePrincipals;
  if (sps.length === 0) return [];
  const runs = [run(`${plural(sps.length, 'service principal')} ${sps.length === 1 ? 'holds' : 'hold'} admin roles (not counted as admins)`, { isSubtle: true })];
  if (prose.servicePrincipalNames > 0) {
    const names = sps.map((sp) => truncate(sp.displayName || sp.id, CAP.servicePrincipalName));
    runs.push(run(`: ${joinCapped(names, prose.servicePrincipalNames, 400)}`));
  }
  return [para(runs, { spacing: 'medium' })];
}

function canOfferCreate(ctx: Context): boolean {
  return ctx.report.createPolicy.allowed && ctx.opts.canCreatePolicy !== false;
}

/** Why the "Create policy" button is missing, when it is. */
function actionNotes(ctx: Context, prose: ProseCaps): CardElement[] {
  if (canOfferCreate(ctx) || ctx.opts.impact) return [];
  const reason = ctx.report.createPolicy.allowed
    ? 'Only an approver can create the Conditional Access policy.'
    : truncate(ctx.report.createPolicy.reason, prose.reasonText) || 'not available for this tenant.';
  return [para([run('Create policy: ', { weight: 'bolder' }), run(reason)], { spacing: 'medium' })];
}

function nudgePicker(ctx: Context, limits: Limits): CardElement[] {
  return nudgePickerSection(nudgeCandidates(ctx.missing, stuckAdmins(ctx.opts.aftermath)), limits.choices);
}

/** "2025-11-26 06:05 UTC"; the raw value when it is not a date. */
function utcTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return truncate(iso, 40);
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "just now", "12 min ago", "3 h ago", "4 d ago"; null for an unreadable time. */
export function relativeTime(iso: string, now: Date): string | null {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  const minutes = Math.floor((now.getTime() - ms) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** "4.29", "10". */
function formatPoints(value: number): string {
  return String(Math.round(value * 100) / 100);
}
