import assert from 'node:assert/strict';
import {
  REGISTER_URL, digestCard, notYetCard, nudgeCard, nudgeProgressCard, nudgeResultCard, registeredNoticeCard, registeredThanksCard, skipText,
  type NudgeCardInput, type NudgeResultRow,
} from '../../src/cards/nudge';
import { MAX_CARD_BYTES, cardBytes } from '../../src/cards/elements';
import { noticeCard } from '../../src/cards/message';
import type { AdaptiveCard, ActionOpenUrl, RichTextBlock } from '../../src/cards/types';
import { ALL_VERBS, NUDGE_INPUT_ID, VERBS } from '../../src/cards/verbs';
import { buildDigest } from '../../src/domain/digest';
import { ROLE } from '../../src/domain/roles';
import { NOW, admin, hugeTenant, makeReport, role, userId } from './fixtures';
import { choiceSets, executeActions, lines, nodes, ofType } from './inspect';
import { validateCard } from './validate';

const BATCH = 'b0000000-0000-4000-8000-000000000001';
const nasty = 'Bob **Brown** [click](http://evil.example) <at>x</at>';

const nudgeInput = (overrides: Partial<NudgeCardInput> = {}): NudgeCardInput => ({
  batchId: BATCH,
  admin: { displayName: 'Bob Brown', userPrincipalName: 'bob@x.example', mfaRegistered: false, roles: [role(ROLE.securityAdministrator, 'eligible'), role(ROLE.exchangeAdministrator, 'active', { id: 'g1', name: 'Tier 1' })] },
  requestedBy: 'Alice Ahmed',
  tenantName: 'Fabrikam',
  enforcedRoleIds: [],
  outlook: { kind: 'none' },
  ...overrides,
});

function results(count: number, chars = 'x'): NudgeResultRow[] {
  const long = (p: string, n: number) => `${p} ${chars.repeat(n)}`;
  return Array.from({ length: count }, (_, i): NudgeResultRow => {
    const base = { userId: userId(i), name: long(`Admin ${i}`, 200), userPrincipalName: `${long(`user${i}`, 100).replace(/ /g, '.')}@x.example` };
    if (i % 3 === 0) return { ...base, status: 'sent', via: 'installed' };
    if (i % 3 === 1) return { ...base, status: 'skipped', skip: { kind: 'recentlyNudged', lastAt: '2025-11-26T06:00:00Z' } };
    return { ...base, status: 'failed', reason: long('MfaBot\'s app lacks the Graph permission', 400), missing: 'TeamsAppInstallation.ReadWriteSelfForUser.All' };
  });
}

const huge = hugeTenant();
const CARDS: [string, () => AdaptiveCard][] = [
  ['nudge, nothing enforced yet', () => nudgeCard(nudgeInput())],
  ['nudge, CA already enforces a role', () => nudgeCard(nudgeInput({ enforcedRoleIds: [ROLE.exchangeAdministrator] }))],
  ['nudge, policy report-only', () => nudgeCard(nudgeInput({ outlook: { kind: 'reportOnly', since: '2025-11-20T09:00:00Z' } }))],
  ['nudge, enforcement requested', () => nudgeCard(nudgeInput({ outlook: { kind: 'enforcePending', since: '2025-11-20T09:00:00Z', requestedAt: '2025-11-26T09:00:00Z', until: '2025-11-27T09:00:00Z' } }))],
  ['nudge, enforced, unknown registration, hostile names', () => nudgeCard(nudgeInput({
    outlook: { kind: 'enforced', since: '2025-11-21T09:00:00Z' }, requestedBy: nasty, tenantName: nasty,
    admin: { displayName: nasty, userPrincipalName: 'b@x.example', mfaRegistered: null, roles: [role('custom-role-id')] },
    roleNames: { 'custom-role-id': nasty },
  }))],
  ['nudge, the 5,000-admin tenant\'s longest names', () => nudgeCard(nudgeInput({ admin: huge.admins[0] as NudgeCardInput['admin'], requestedBy: 'x'.repeat(5_000), tenantName: huge.tenantName }))],
  ['result: sent, skipped, failed', () => nudgeResultCard({ requestedBy: 'Alice', at: NOW.toISOString(), results: results(6), now: NOW, windowHours: 24 })],
  ['result: 5,000 admins', () => nudgeResultCard({ requestedBy: 'Alice', at: NOW.toISOString(), results: results(5_000), now: NOW, windowHours: 24 })],
  ['result: 5,000 admins, emoji', () => nudgeResultCard({ requestedBy: '🔐'.repeat(500), at: NOW.toISOString(), results: results(5_000, '🔐'), now: NOW, windowHours: 24 })],
  ['result: nobody', () => nudgeResultCard({ requestedBy: 'Alice', at: NOW.toISOString(), results: [], now: NOW, windowHours: 24 })],
  ['progress', () => nudgeProgressCard(12, 'Alice')],
  ['progress before planning', () => nudgeProgressCard(null, 'Alice')],
  ['thanks', () => registeredThanksCard('Bob Brown', true)],
  ['not yet', () => notYetCard(BATCH, '2025-11-26T11:00:00Z')],
  ['not yet, checks used up', () => notYetCard(BATCH, null)],
  ['registered notice', () => registeredNoticeCard(nasty, 'bob@x.example', NOW.toISOString())],
  ['refusal notice', () => noticeCard('You cannot nudge admins', 'Only approvers can nudge admins. Nobody was messaged.')],
  ['digest, first', () => digestCard(buildDigest(smallReport(), null), digestOptions())],
  ['digest, with changes', () => digestCard(buildDigest(smallReport(), { at: '2025-11-25T08:00:00Z', admins: 3, registered: 0, missingIds: [userId(901), userId(903)] }), digestOptions({ policyAction: 'enable' }))],
  ['digest, 5,000 admins', () => digestCard(buildDigest(huge, { at: '2025-11-25T08:00:00Z', admins: 5_000, registered: 0, missingIds: huge.admins.slice(0, 2_500).map((a) => a.id) }), digestOptions({ maxAdminsListed: 50 }))],
  ['digest, 5,000 admins, CJK', () => digestCard(buildDigest(hugeTenant(5_000, '界'), null), digestOptions({ cadence: 'weekly', maxAdminsListed: 50 }))],
  ['digest, everyone registered', () => digestCard(buildDigest(makeReport({ admins: [admin({ upn: 'a@x.example', roles: [role(ROLE.globalAdministrator)], mfa: true })], covered: 'all' }), null), digestOptions({ policyAction: null }))],
];

function smallReport() {
  return makeReport({
    admins: [
      admin({ id: userId(901), upn: 'ann@x.example', name: 'Ann', roles: [role(ROLE.globalAdministrator)], mfa: true }),
      admin({ id: userId(902), upn: 'ben@x.example', name: 'Ben', roles: [role(ROLE.userAdministrator)], mfa: false }),
      admin({ id: userId(903), upn: 'cat@x.example', name: 'Cat', roles: [role(ROLE.exchangeAdministrator)], mfa: null }),
    ],
  });
}

function digestOptions(overrides: Partial<Parameters<typeof digestCard>[1]> = {}): Parameters<typeof digestCard>[1] {
  return { cadence: 'daily', schedule: { hourUtc: 8, weekday: 1 }, policyAction: 'create', maxAdminsListed: 15, now: NOW, nudgeHistory: { [userId(902)]: { count: 2, lastAt: '2025-11-26T06:00:00Z' } }, ...overrides };
}

describe('nudge cards', () => {
  for (const [name, build] of CARDS) {
    describe(name, () => {
      it('is a valid Adaptive Card 1.5 under 25 KB, carrying only known verbs with their fallbacks', () => {
        const card = build();
        assert.deepEqual(validateCard(card), []);
        assert.ok(cardBytes(card) <= MAX_CARD_BYTES, `${cardBytes(card)} bytes`);
        for (const action of executeActions(card)) {
          assert.ok(ALL_VERBS.includes(action.verb));
          assert.equal(action.fallback.data.verb, action.verb);
        }
      });
    });
  }

  it('the nudge names the roles, why they matter, links to the registration page and offers "I\'ve registered" with the nudge id only', () => {
    const card = nudgeCard(nudgeInput());
    const text = lines(card).join('\n');
    assert.match(text, /Security Administrator \(eligible: you activate it when needed\)/);
    assert.match(text, /Exchange Administrator \(through the group Tier 1\)/);
    assert.match(text, /switch off the protections/, 'the risk of the most dangerous role');
    assert.match(text, /Alice Ahmed asked MfaBot to remind you/);
    const link = ofType<ActionOpenUrl>(card, 'Action.OpenUrl')[0];
    assert.equal(link?.url, REGISTER_URL);
    assert.equal(REGISTER_URL, 'https://aka.ms/mysecurityinfo');
    const confirm = executeActions(card).find((a) => a.verb === VERBS.nudgeConfirm);
    assert.deepEqual(confirm?.data, { batchId: BATCH });
  });

  it('says what is coming: enforcement requested, report-only, enforced, or already enforced for a role', () => {
    const text = (input: Partial<NudgeCardInput>) => lines(nudgeCard(nudgeInput(input))).join('\n');
    assert.match(text({ outlook: { kind: 'enforcePending', since: 'x', requestedAt: '2025-11-26T09:00:00Z', until: '2025-11-27T09:00:00Z' } }), /Coming soon: an approver has been asked \(on 2025-11-26 09:00 UTC\)[\s\S]*until 2025-11-27 09:00 UTC/);
    assert.match(text({ outlook: { kind: 'reportOnly', since: '2025-11-20T09:00:00Z' } }), /report-only mode since 2025-11-20 09:00 UTC/);
    assert.match(text({ outlook: { kind: 'enforced', since: '2025-11-21T09:00:00Z' } }), /enforced since 2025-11-21 09:00 UTC/);
    assert.match(text({ enforcedRoleIds: [ROLE.exchangeAdministrator] }), /already requires MFA for Exchange Administrator/);
  });

  it('renders names from the tenant and Teams as literal text, never markdown', () => {
    const card = nudgeCard(nudgeInput({ requestedBy: nasty, admin: { ...nudgeInput().admin, displayName: nasty } }));
    const blocks = ofType<{ type: 'TextBlock'; text: string }>(card, 'TextBlock');
    assert.ok(blocks.every((b) => !b.text.includes('evil.example')), 'no tenant text in markdown TextBlocks');
    const runs = ofType<RichTextBlock>(card, 'RichTextBlock').flatMap((r) => r.inlines.map((i) => i.text));
    assert.ok(runs.includes(nasty));
  });

  it('the result card gives a reason per skipped and failed admin, and names the permission', () => {
    const text = lines(nudgeResultCard({ requestedBy: 'Alice', at: NOW.toISOString(), results: results(3), now: NOW, windowHours: 24 })).join('\n');
    assert.match(text, /Nudges: 1 sent, 1 skipped, 1 failed/);
    assert.match(text, /MfaBot installed for them, new 1:1 chat/);
    assert.match(text, /nudged 3 h ago/);
    assert.match(text, /Needs: TeamsAppInstallation\.ReadWriteSelfForUser\.All\./);
    assert.equal(skipText({ kind: 'notAdmin' }, NOW), 'not an admin in scope');
    assert.equal(skipText({ kind: 'registered' }, NOW), 'already registered');
    assert.equal(skipText({ kind: 'recentlyNudged', lastAt: '2025-11-26T07:00:00Z' }, NOW), 'nudged 2 h ago');
  });

  it('the 5,000-admin result card still counts everyone and says how many more', () => {
    const text = lines(nudgeResultCard({ requestedBy: 'Alice', at: NOW.toISOString(), results: results(5_000), now: NOW, windowHours: 24 })).join('\n');
    assert.match(text, /Nudges: 1667 sent, 1667 skipped, 1666 failed/);
    assert.match(text, /and \d+ more/);
  });

  it('the digest compares with the last one, names who registered, and carries the status card\'s buttons', () => {
    const card = digestCard(buildDigest(smallReport(), { at: '2025-11-25T08:00:00Z', admins: 3, registered: 0, missingIds: [userId(901), userId(903)] }), digestOptions());
    const text = lines(card).join('\n');
    assert.match(text, /1 of 3 admins registered for MFA \(33%\)/);
    assert.match(text, /Last digest \(2025-11-25 08:00 UTC\): 0 of 3 registered \(0%\) · \+1 since/);
    assert.match(text, /Registered since the last digest \(1\)\nAnn/);
    assert.match(text, /Ben · ben@x\.example · new since the last digest · nudged 2× · last 3 h ago/);
    assert.match(text, /every day at 08:00 UTC/);
    assert.deepEqual(executeActions(card).map((a) => a.verb).sort(), [VERBS.nudgeSend, VERBS.policyCreate, VERBS.statusRefresh].sort());
    assert.equal(choiceSets(card)[0]?.id, NUDGE_INPUT_ID);
    assert.ok(nodes(card).length > 0);
  });
});
