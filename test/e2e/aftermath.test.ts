/**
 * After MfaBot enforced its policy: the admins it stopped at sign-in (MFA or registration required)
 * and whether each got through, on the status card and in the digest, for 14 days; an approver nudges
 * the stuck ones from there. The bot over HTTP, the simulator serving the fixture's sign-ins, a clock
 * the test moves.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { MFABOT_TEAMS_APP_EXTERNAL_ID } from '../../src/sim/defaults';
import { loadFixtureFile, type TenantFixture } from '../../src/sim/fixture';
import type { Simulator } from '../../src/sim/server';
import { FileStore } from '../../src/store/fileStore';
import { ProposalStore } from '../../src/store/proposals';
import type { AdaptiveCard } from '../../src/cards/types';
import { validateCard } from '../cards/validate';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, mentionMessage, post, type ActivityOptions } from '../support/activities';
import { attachedCard, cardActions, cardText, findById } from '../support/cards';
import {
  ALICE, BOB, CAROL, CATALOG_APP_ID, TENANT, TestClock, startNudgeBot, startSim, tempDataDir, type NudgeBot,
} from './nudgeHarness';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam-enforced.json');
/** MfaBot's policy in the fixture, enforced by MfaBot on 2026-12-01 at 09:00 UTC. */
const POLICY_ID = '5eed0000-0000-4000-8000-0000000000e1';
const ENFORCED_AT = '2026-12-01T09:00:00.000Z';
const DAY = 24 * 3_600_000;

type Card = Record<string, unknown>;

function tenant(): TenantFixture {
  const t = loadFixtureFile(FIXTURE);
  t.teamsApps = [{ id: CATALOG_APP_ID, externalId: MFABOT_TEAMS_APP_EXTERNAL_ID, displayName: 'MfaBot', distributionMethod: 'organization' }];
  t.userInstalledApps = { [ALICE]: [CATALOG_APP_ID] };
  return t;
}

describe('after enforcing: who the policy stopped at sign-in (bot over HTTP, simulator, fake Bot Connector)', function () {
  this.timeout(30_000);
  let connector: FakeConnector;
  let sim: Simulator;
  let bot: NudgeBot;
  let clock: TestClock;
  let channelId: string;

  before(async () => {
    connector = await startFakeConnector();
  });
  after(async () => {
    await connector?.close();
  });
  beforeEach(async () => {
    clock = new TestClock(new Date('2026-12-03T12:00:00Z'));
    channelId = `19:${randomUUID()}@thread.tacv2`;
    sim = await startSim(tenant());
    const dataDir = tempDataDir();
    // What MfaBot stored when it enforced its policy.
    await new ProposalStore(new FileStore(dataDir)).savePolicyRecord({
      policyId: POLICY_ID, displayName: 'MfaBot - Require MFA for admin roles', state: 'enabled', createdAt: '2026-11-24T09:00:00Z',
      createdBy: { id: ALICE, name: 'Alice Ahmed' }, requestedBy: { id: ALICE, name: 'Alice Ahmed' }, enforcedAt: ENFORCED_AT, enforcedBy: { id: ALICE, name: 'Alice Ahmed' },
    });
    bot = await startNudgeBot({ sim, dataDir, clock });
  });
  afterEach(async () => {
    await bot?.close();
    await sim?.close();
  });

  const alice = (): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId: channelId, fromAadObjectId: ALICE, fromName: 'Alice Ahmed' });

  async function statusCard(): Promise<Card> {
    const activity = mentionMessage('status', alice());
    const before = connector.sent.length;
    await post(bot.url, activity);
    const reply = await connector.waitFor((a) => a.conversationId === channelId && attachedCard(a.body) !== undefined && connector.sent.indexOf(a) >= before);
    const card = attachedCard(reply.body) as Card;
    assert.deepEqual(validateCard(card as unknown as AdaptiveCard), [], 'a valid Adaptive Card');
    return card;
  }

  const SECTION = /Since the policy was enforced \(2026-12-01 09:00 UTC\)/;

  it('shows on the status card who was stopped and is still stuck, and who got through with MFA', async () => {
    const text = cardText(await statusCard());
    assert.match(text, SECTION);
    assert.match(text, /Stopped at sign-in, not through yet \(2\): \nAlice Ahmed, Carol Chen \(had no method: must register\)/);
    assert.match(text, /Stopped, then signed in with MFA \(1\): \nBob Brown/);
    assert.doesNotMatch(text, /Dave Diaz \(had/, 'an interruption before the enforcement does not count');
    assert.doesNotMatch(text, /Frank/, 'a user who is no admin in scope is left out');
    const reads = sim.requests().filter((r) => r.path === '/v1.0/auditLogs/signIns');
    assert.ok(reads.length > 0, 'the sign-ins were read');
  });

  it('offers the stuck admins in the nudge picker, and nudges a registered one who was stopped', async () => {
    const card = await statusCard();
    const picker = findById(card, 'admins') as { choices: { title: string; value: string }[] };
    const alicesChoice = picker.choices.find((c) => c.value === ALICE);
    assert.match(alicesChoice?.title ?? '', /Alice Ahmed \(alice@fabrikam.example\) · stopped at sign-in/, 'registered, yet offered: she was stopped');
    assert.ok(picker.choices.some((c) => c.value === CAROL));
    const bobsChoice = picker.choices.find((c) => c.value === BOB);
    assert.ok(bobsChoice && !/stopped/.test(bobsChoice.title), 'Bob got through: offered only because he is unregistered');

    const res = await post(bot.url, cardAction('nudge.send', { admins: ALICE }, { ...alice(), replyToId: randomUUID() }));
    const body = res.body as { value?: Card };
    await bot.nudge.idle();
    assert.match(cardText(body.value ?? {}), /1 sent/);
    const nudge = connector.sent.map((s) => attachedCard(s.body)).find((c) => c && /complete multifactor authentication/.test(cardText(c)));
    assert.ok(nudge, 'Alice got a nudge');
    assert.match(cardText(nudge), /sign-in on 2026-12-02 09:00 UTC was stopped because MFA is now required/);
  });

  it('puts the same in the digest', async () => {
    await post(bot.url, mentionMessage('subscribe daily', alice()));
    await connector.waitFor((a) => a.conversationId === channelId && /Subscribed/.test(String(a.body.text ?? '')));
    clock.set('2026-12-04T08:00:30Z');
    await bot.nudge.tick();
    const digest = connector.sent.map((s) => attachedCard(s.body)).find((c) => c && /Daily admin MFA digest/.test(cardText(c)));
    assert.ok(digest, 'a digest was posted');
    const text = cardText(digest);
    assert.match(text, SECTION);
    assert.match(text, /Stopped at sign-in, not through yet \(2\)/);
    assert.match(text, /Stopped, then signed in with MFA \(1\): \nBob Brown/);
    assert.ok(cardActions(digest).some((a) => a.verb === 'nudge.send'));
  });

  it('stops following after 14 days', async () => {
    clock.advance(13 * DAY);
    assert.doesNotMatch(cardText(await statusCard()), SECTION);
    assert.ok(!sim.requests().some((r) => r.path === '/v1.0/auditLogs/signIns'), 'no sign-in read at all');
  });
});
