/**
 * Every card MfaBot renders, at the report shapes that matter: the cards every test of schema,
 * verbs and size runs over. (The policy feature's cards are listed in test/browser/catalogue.ts.)
 */
import { errorCard, helpCard, noticeCard, statusCard } from '../../src/cards';
import {
  digestCard, notYetCard, nudgeCard, nudgeProgressCard, nudgeResultCard, registeredNoticeCard, registeredThanksCard,
  type DigestCardOptions, type NudgeCardInput, type NudgeResultRow,
} from '../../src/cards/nudge';
import type { AdaptiveCard } from '../../src/cards/types';
import { buildDigest } from '../../src/domain/digest';
import {
  NOW, ROLE, admin, aftermath, allRegisteredAndCovered, freeFromMethods, freeLicenceNoneCovered, generatedTenant, hugeTenant, makeReport,
  p2WithEligibleAdmins, p2WithPimGaps, pimVerdicts, role, securityDefaultsOn, tailspin, userId, withCaveats,
} from './fixtures';

export interface NamedCard {
  name: string;
  card: () => AdaptiveCard;
}

export const CATALOGUE: readonly NamedCard[] = [
  { name: 'status: all registered and covered', card: () => statusCard(allRegisteredAndCovered(), { now: NOW }) },
  { name: 'status: free licence, nothing covered', card: () => statusCard(freeLicenceNoneCovered(), { now: NOW }) },
  { name: 'status: security defaults on', card: () => statusCard(securityDefaultsOn(), { now: NOW }) },
  { name: 'status: P2 with eligible admins', card: () => statusCard(p2WithEligibleAdmins(), { now: NOW, nudgeHistory: {} }) },
  { name: 'status: caveats', card: () => statusCard(withCaveats(), { now: NOW }) },
  { name: 'status: 5,000 admins with long names, 14 uncovered roles', card: () => statusCard(hugeTenant(), { now: NOW }) },
  { name: 'status: 5,000 admins, CJK text', card: () => statusCard(hugeTenant(5_000, '界'), { now: NOW }) },
  { name: 'status: 5,000 admins, emoji text', card: () => statusCard(hugeTenant(5_000, '🔐'), { now: NOW, maxAdminsListed: 100 }) },
  { name: 'status: no admins', card: () => statusCard(hugeTenant(0), { now: NOW }) },
  { name: 'status: admins who can sign in without MFA (Tailspin)', card: () => statusCard(tailspin(), { now: NOW }) },
  { name: 'status: 5,000 generated admins, gaps grouped', card: () => statusCard(generatedTenant(5_000), { now: NOW }) },
  { name: 'status: PIM activation per role, Require MFA on activation offered', card: () => statusCard(p2WithPimGaps(), { now: NOW }) },
  { name: 'status: after enforcing, who the policy stopped', card: () => statusCard(p2WithEligibleAdmins(), { now: NOW, aftermath: aftermath() }) },
  {
    name: 'status: 5,000 admins, PIM gaps and 400 stopped after enforcing',
    card: () => statusCard({ ...hugeTenant(), pimActivation: pimVerdicts(), pimFix: { allowed: true, roleIds: pimVerdicts().filter((v) => v.fixable).map((v) => v.roleId), reason: '' } }, { now: NOW, aftermath: aftermath(400) }),
  },
  { name: 'status: Free tenant, registration from authentication methods', card: () => statusCard(freeFromMethods(), { now: NOW }) },
  { name: 'help', card: () => helpCard({ botName: 'MfaBot' }) },
  { name: 'help for an approver', card: () => helpCard({ botName: 'MfaBot', isApprover: true }) },
  { name: 'help after an unknown command', card: () => helpCard({ botName: 'MfaBot', unknownCommand: 'stauts please' }) },
  {
    name: 'error',
    card: () => errorCard('MfaBot could not read the tenant', 'Graph answered 403 Forbidden.', {
      hint: 'Grant AuditLog.Read.All and admin consent.', requestId: '5f0c7c4e-1a2b-4c3d-8e9f-001122334455',
    }),
  },
  { name: 'error without options', card: () => errorCard('Something went wrong', 'Try again later.') },
  { name: 'notice', card: () => noticeCard('Nudging admins is not available yet', 'Type "status" for the latest report.') },
  ...nudgeCards(),
];

/** The nudge feature's cards (src/cards/nudge.ts, and the notices src/bot/nudge.ts answers with). */
function nudgeCards(): NamedCard[] {
  const batchId = 'b0000000-0000-4000-8000-000000000001';
  const tier0 = { id: 'aaaaaaaa-0000-4000-8000-000000000000', name: 'Tier0 Admins' };
  const nudge = (overrides: Partial<NudgeCardInput> = {}): NudgeCardInput => ({
    batchId,
    admin: { displayName: 'Ben Walters', userPrincipalName: 'ben.walters@contoso.example', mfaRegistered: false, roles: [role(ROLE.privilegedAuthenticationAdministrator, 'active', tier0)] },
    requestedBy: 'Adele Vance',
    tenantName: 'Contoso',
    enforcedRoleIds: [],
    outlook: { kind: 'none' },
    ...overrides,
  });
  const at = '2025-11-26T08:58:00Z';
  const person = (n: number, name: string): Pick<NudgeResultRow, 'userId' | 'name' | 'userPrincipalName'> => ({
    userId: userId(900 + n), name, userPrincipalName: `${name.split(' ')[0]?.toLowerCase() ?? 'x'}@contoso.example`,
  });
  const results: NudgeResultRow[] = [
    { ...person(1, 'Ben Walters'), status: 'sent', via: 'installed' },
    { ...person(2, 'Henrietta Mueller'), status: 'sent', via: 'newChat' },
    { ...person(3, 'Isaiah Langer'), status: 'sent', via: 'conversation' },
    { ...person(4, 'Alex Wilber'), status: 'skipped', skip: { kind: 'registered' } },
    { ...person(5, 'Sara Davis'), status: 'skipped', skip: { kind: 'recentlyNudged', lastAt: '2025-11-26T06:00:00Z' } },
    { ...person(6, 'Emergency Access 01'), status: 'skipped', skip: { kind: 'breakGlass' } },
    { userId: 'not-a-user-id', name: null, userPrincipalName: null, status: 'skipped', skip: { kind: 'invalid' } },
    { ...person(7, 'Johanna Lorenz'), status: 'failed', reason: "MfaBot's app may not install itself for users.", missing: 'TeamsAppInstallation.ReadWriteSelfForUser.All' },
    { ...person(8, 'Irvin Sayers'), status: 'failed', reason: 'The admin has blocked MfaBot in Teams.' },
    { ...person(9, 'Megan Bowen'), status: 'queued' },
  ];
  // Built when a test asks for the card, not when this module loads.
  let hugeReport: ReturnType<typeof hugeTenant> | undefined;
  const huge = (): ReturnType<typeof hugeTenant> => (hugeReport ??= hugeTenant());
  const hugeResults = (): NudgeResultRow[] => huge().admins.map((a, i): NudgeResultRow => (i % 2 === 0
    ? { userId: a.id, name: a.displayName, userPrincipalName: a.userPrincipalName, status: 'sent', via: 'installed' }
    : { userId: a.id, name: a.displayName, userPrincipalName: a.userPrincipalName, status: 'failed', reason: 'Teams kept throttling MfaBot; try this admin again in a few minutes.' }));

  const [ann, ben, cat] = [userId(801), userId(802), userId(803)];
  const small = () => makeReport({
    admins: [
      admin({ id: ann, upn: 'ann@contoso.example', name: 'Ann Global', roles: [role(ROLE.globalAdministrator)], mfa: true }),
      admin({ id: ben, upn: 'ben@contoso.example', name: 'Ben User', roles: [role(ROLE.userAdministrator, 'eligible')], mfa: false }),
      admin({ id: cat, upn: 'cat@contoso.example', name: 'Cat Exchange', roles: [role(ROLE.exchangeAdministrator, 'active', tier0)], mfa: null }),
    ],
    covered: [ROLE.globalAdministrator],
  });
  const digestOptions = (overrides: Partial<DigestCardOptions> = {}): DigestCardOptions => ({
    cadence: 'daily', schedule: { hourUtc: 8, weekday: 1 }, policyAction: 'create', maxAdminsListed: 15, now: NOW,
    nudgeHistory: { [ben]: { count: 2, lastAt: '2025-11-26T06:00:00Z' } }, ...overrides,
  });

  return [
    {
      name: 'status: after nudges (nudge history on the unregistered admins)',
      card: () => {
        const report = p2WithEligibleAdmins();
        const [first, second] = report.admins.filter((a) => a.mfaRegistered !== true);
        const history = Object.fromEntries([first, second].flatMap((a, i) => (a ? [[a.id.toLowerCase(), { count: i + 1, lastAt: '2025-11-26T06:00:00Z' }]] : [])));
        return statusCard(report, { now: NOW, nudgeHistory: history });
      },
    },
    { name: 'nudge: nothing enforced yet', card: () => nudgeCard(nudge()) },
    { name: 'nudge: policy report-only', card: () => nudgeCard(nudge({ outlook: { kind: 'reportOnly', since: '2025-11-20T09:00:00Z' } })) },
    {
      name: 'nudge: enforcement requested, eligible and group roles, one already enforced, no registration row',
      card: () => nudgeCard(nudge({
        admin: {
          displayName: 'Cat Exchange', userPrincipalName: 'cat@contoso.example', mfaRegistered: null,
          roles: [role(ROLE.globalAdministrator, 'eligible'), role(ROLE.exchangeAdministrator, 'active', tier0)],
        },
        enforcedRoleIds: [ROLE.exchangeAdministrator],
        outlook: { kind: 'enforcePending', since: '2025-11-20T09:00:00Z', requestedAt: '2025-11-26T08:00:00Z', until: '2025-11-27T08:00:00Z' },
      })),
    },
    { name: 'nudge: policy enforced', card: () => nudgeCard(nudge({ outlook: { kind: 'enforced', since: '2025-11-21T09:00:00Z' } })) },
    {
      name: 'nudge: registered, stopped at sign-in after enforcement',
      card: () => nudgeCard(nudge({ admin: { ...nudge().admin, mfaRegistered: true }, outlook: { kind: 'enforced', since: '2025-11-21T09:00:00Z' }, stoppedAt: '2025-11-22T07:30:00Z' })),
    },
    { name: 'nudge result: sent, skipped and failed', card: () => nudgeResultCard({ requestedBy: 'Adele Vance', at, results, now: NOW, windowHours: 24 }) },
    { name: 'nudge result: 5,000 admins', card: () => nudgeResultCard({ requestedBy: 'Adele Vance', at, results: hugeResults(), now: NOW, windowHours: 24 }) },
    { name: 'nudge result: nobody messaged', card: () => nudgeResultCard({ requestedBy: 'Adele Vance', at, results: results.filter((r) => r.status === 'skipped'), now: NOW, windowHours: 24 }) },
    { name: 'nudge progress', card: () => nudgeProgressCard(120, 'Adele Vance') },
    { name: 'nudge progress, before planning', card: () => nudgeProgressCard(null, 'Adele Vance') },
    { name: 'nudge: thanks, telling the channel', card: () => registeredThanksCard('Ben Walters', true) },
    { name: 'nudge: thanks', card: () => registeredThanksCard('Ben Walters', false) },
    { name: 'nudge: not confirmed yet', card: () => notYetCard(batchId, '2025-11-26T09:15:00Z') },
    { name: 'nudge: not confirmed yet, checks used up', card: () => notYetCard(batchId, null) },
    { name: 'nudge: registered, told in the channel', card: () => registeredNoticeCard('Ben Walters', 'ben.walters@contoso.example', at) },
    { name: 'nudge refused: not a nudger', card: () => noticeCard('You cannot nudge admins', 'Only approvers can nudge admins. Nobody was messaged.') },
    { name: 'nudge: nobody chosen', card: () => noticeCard('Nobody chosen', 'Choose at least one admin (or "All unregistered admins") in the picker, then click Nudge selected.') },
    { name: 'digest: the first, daily', card: () => digestCard(buildDigest(small(), null), digestOptions()) },
    {
      name: 'digest: changes since the last one, weekly, enforcement to approve',
      card: () => digestCard(
        buildDigest(small(), { at: '2025-11-19T08:00:00Z', admins: 3, registered: 0, missingIds: [ann, cat] }),
        digestOptions({ cadence: 'weekly', policyAction: 'enable' }),
      ),
    },
    { name: 'digest: everyone registered and covered', card: () => digestCard(buildDigest(allRegisteredAndCovered(), null), digestOptions({ policyAction: null })) },
    { name: 'digest: who the policy stopped after enforcing', card: () => digestCard(buildDigest(small(), null), digestOptions({ policyAction: null, aftermath: aftermath(3) })) },
    {
      name: 'digest: 5,000 admins',
      card: () => digestCard(buildDigest(huge(), { at: '2025-11-25T08:00:00Z', admins: 5_000, registered: 0, missingIds: huge().admins.slice(0, 2_500).map((a) => a.id) }), digestOptions({ maxAdminsListed: 50 })),
    },
  ];
}
