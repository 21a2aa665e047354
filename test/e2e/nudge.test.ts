import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { statusCard } from '../../src/cards';
import { parseRoleScope } from '../../src/domain/roles';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { silentLogger } from '../../src/log';
import { StatusService } from '../../src/services/status';
import { MAX_CARD_BYTES, cardBytes } from '../../src/cards/elements';
import type { AdaptiveCard } from '../../src/cards/types';
import { ConversationStore } from '../../src/store/conversations';
import { FileStore } from '../../src/store/fileStore';
import type { Simulator } from '../../src/sim/server';
import { validateCard } from '../cards/validate';
import { startFakeConnector, type FakeConnector, type SentActivity } from '../support/connector';
import { cardAction, mentionMessage, post, type ActivityOptions } from '../support/activities';
import { attachedCard, cardActions, cardText } from '../support/cards';
import {
  ALICE, BOB, CAROL, ERIN, FRANK, GINA, TENANT, TestClock, botMembership, fabrikamWithApp, installationUpdate, personalCardAction,
  startNudgeBot, startSim, tempDataDir, type NudgeBot, type NudgeBotOptions,
} from './nudgeHarness';

const HOUR = 3_600_000;
const NOT_AN_ID = 'c0ffee00-dead-4bee-8f00-000000000bad';
const INSTALLED_APPS = /^\/v1\.0\/users\/([^/]+)\/teamwork\/installedApps$/;

type Card = Record<string, unknown>;

interface InvokeAnswer {
  status: number;
  card: Card | undefined;
  text: string;
}

describe('nudges end to end (bot over HTTP, simulator over HTTP, fake Bot Connector)', function () {
  this.timeout(30_000);
  let connector: FakeConnector;
  let sim: Simulator;
  let bots: NudgeBot[] = [];
  let bot: NudgeBot;
  let clock: TestClock;
  let dataDir: string;
  let channelId: string;

  before(async () => {
    connector = await startFakeConnector();
  });
  after(async () => {
    await connector?.close();
  });
  beforeEach(async () => {
    connector.sent.length = 0;
    clock = new TestClock(new Date('2025-11-26T10:00:00Z'));
    dataDir = tempDataDir();
    channelId = `19:${randomUUID()}@thread.tacv2`;
    sim = await startSim(fabrikamWithApp());
    bot = await launch();
  });
  afterEach(async () => {
    for (const b of bots) await b.close();
    bots = [];
    await sim?.close();
  });

  async function launch(opts: Partial<NudgeBotOptions> = {}): Promise<NudgeBot> {
    const started = await startNudgeBot({ sim, dataDir, clock, ...opts });
    bots.push(started);
    return started;
  }

  const inChannel = (id: string, name: string): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId: channelId, fromAadObjectId: id, fromName: name });
  const alice = () => inChannel(ALICE, 'Alice Ahmed');
  const personal = (userId: string, name: string, conversationId = `a:${userId}-chat`) => ({ serviceUrl: connector.url, tenantId: TENANT, userId, name, conversationId });

  async function click(verb: string, data: Record<string, unknown>, as: ActivityOptions, replyToId: string = randomUUID(), on: NudgeBot = bot): Promise<InvokeAnswer> {
    const res = await post(on.url, cardAction(verb, data, { ...as, replyToId }));
    const body = res.body as { type?: string; value?: unknown } | undefined;
    const card = body?.type === 'application/vnd.microsoft.card.adaptive' ? body.value as Card : undefined;
    if (card) assertValid(card);
    return { status: res.status, card, text: card ? cardText(card) : String(body?.value ?? '') };
  }

  const nudge = (admins: string, as: ActivityOptions = alice(), replyToId?: string) => click('nudge.send', { admins }, as, replyToId);

  /** 1:1 conversations the bot created through the connector. */
  const created = (): SentActivity[] => connector.sent.filter((s) => s.method === 'POST' && s.path === '/v3/conversations');
  /** New messages (not replies, not updates) posted in a conversation. */
  const postsIn = (conversationId: string): SentActivity[] => connector.sent.filter((s) => s.method === 'POST' && s.conversationId === conversationId && s.path !== '/v3/conversations');
  const cardsIn = (conversationId: string): Card[] => postsIn(conversationId).map((s) => attachedCard(s.body)).filter((c): c is Card => c !== undefined);
  /** The 1:1 nudge cards, by the member the conversation was created with. */
  const createdFor = (userId: string): SentActivity[] => created().filter((c) => ((c.body.members as { id: string }[] | undefined) ?? []).some((m) => m.id === userId));
  const nudgeCardsFor = (userId: string): Card[] => createdFor(userId).flatMap((c) => cardsIn(c.conversationId));
  const installs = (): string[] => sim.requests().filter((r) => r.method === 'POST' && INSTALLED_APPS.test(r.path)).map((r) => INSTALLED_APPS.exec(r.path)?.[1] ?? '');

  function assertValid(card: Card): void {
    assert.deepEqual(validateCard(card as unknown as AdaptiveCard), [], `valid Adaptive Card 1.5: ${cardText(card).slice(0, 80)}`);
    assert.ok(cardBytes(card as unknown as AdaptiveCard) <= MAX_CARD_BYTES, 'under 25 KB');
  }

  async function install(userId: string, name: string, conversationId?: string): Promise<string> {
    const p = personal(userId, name, conversationId);
    const res = await post(bot.url, installationUpdate('add', p));
    assert.ok(res.status < 300, `installationUpdate answered ${res.status}`);
    return p.conversationId;
  }

  it('nudges two unregistered admins: two 1:1 conversations, each card naming the admin\'s roles and the registration link', async () => {
    const cardId = randomUUID();
    const answer = await nudge(`${BOB},${CAROL}`, alice(), cardId);

    assert.equal(answer.status, 200);
    assert.match(answer.text, /Nudges: 2 sent, 0 skipped, 0 failed/);
    assert.match(answer.text, /Asked by\s*\nAlice Ahmed/);
    assert.deepEqual(installs().sort(), [BOB, CAROL].sort(), 'MfaBot was installed for both through Graph');
    assert.equal(created().length, 2, 'two 1:1 conversations');
    for (const c of created()) {
      assert.equal(c.body.isGroup, false);
      assert.equal(c.body.tenantId, TENANT);
      assert.deepEqual((c.body.channelData as { tenant: { id: string } }).tenant.id, TENANT);
    }
    const bobCards = nudgeCardsFor(BOB);
    const carolCards = nudgeCardsFor(CAROL);
    assert.equal(bobCards.length, 1);
    assert.equal(carolCards.length, 1);
    const [bobCard, carolCard] = [bobCards[0] as Card, carolCards[0] as Card];
    for (const c of [bobCard, carolCard]) {
      assertValid(c);
      const link = cardActions(c).find((a) => a.type === 'Action.OpenUrl') as { title?: string } & Record<string, unknown> | undefined;
      assert.ok(link, 'a registration link');
      assert.ok(JSON.stringify(c).includes('"url":"https://aka.ms/mysecurityinfo"'));
      assert.ok(cardActions(c).some((a) => a.verb === 'nudge.confirm'), "an I've registered button");
      assert.match(cardText(c), /Alice Ahmed/, 'says who asked');
    }
    assert.match(cardText(bobCard), /Security Administrator \(eligible/);
    assert.match(cardText(bobCard), /Hi\s*\nBob Brown/);
    assert.match(cardText(carolCard), /Exchange Administrator \(through the group/);
    assert.match(cardText(carolCard), /No policy requires MFA for your admin roles yet/);

    const updates = connector.sent.filter((s) => s.method === 'PUT' && s.activityId === cardId);
    assert.equal(updates.length, 1, 'the channel card was replaced for everyone');
    assert.match(cardText(attachedCard(updates[0]?.body ?? {})), /2 sent/);
    assert.deepEqual(Object.keys(await bot.nudge.nudgeHistory()).sort(), [BOB, CAROL].sort());
  });

  it('ignores a tampered picker value: a registered admin, a non-admin, a made-up id and garbage get no message', async () => {
    const answer = await nudge(`${ALICE},${FRANK},${NOT_AN_ID},<script>`);

    assert.equal(created().length, 0, 'no conversation created');
    assert.deepEqual(installs(), [], 'nothing installed');
    assert.equal(connector.sent.filter((s) => s.method === 'POST').length, 0, 'no message sent anywhere');
    assert.match(answer.text, /Nudges: 0 sent, 4 skipped, 0 failed/);
    assert.match(answer.text, /Alice Ahmed[\s\S]*already registered/);
    assert.match(answer.text, new RegExp(`${FRANK}\\n · not an admin in scope`));
    assert.match(answer.text, new RegExp(`${NOT_AN_ID}\\n · not an admin in scope`));
    assert.match(answer.text, /<script>\n · not a user id/);
  });

  it('does not nudge the same admin twice inside the window, whoever asks; after the window it does', async () => {
    await bot.close();
    bots = [];
    bot = await launch({ approverIds: [ALICE, ERIN] });
    await nudge(BOB);
    assert.equal(nudgeCardsFor(BOB).length, 1);

    clock.advance(2 * HOUR);
    const again = await nudge(`${BOB},${GINA}`, inChannel(ERIN, 'Erin Evans'));
    assert.match(again.text, /Nudges: 1 sent, 1 skipped/);
    assert.match(again.text, /Bob Brown[\s\S]*nudged 2 h ago/);
    assert.equal(nudgeCardsFor(BOB).length, 1, 'Bob got no second message');
    assert.equal(nudgeCardsFor(GINA).length, 1);

    clock.advance(23 * HOUR);
    const later = await nudge(BOB);
    assert.match(later.text, /1 sent/);
    assert.match(later.text, /in their chat with MfaBot/, 'the stored conversation is reused');
    assert.equal((await bot.nudge.nudgeHistory())[BOB]?.count, 2);
  });

  it('continues a stored conversation for one admin and installs MfaBot for the other', async () => {
    const bobChat = await install(BOB, 'Bob Brown');
    const answer = await nudge(`${BOB},${CAROL}`);

    assert.match(answer.text, /2 sent/);
    assert.match(answer.text, /Bob Brown[\s\S]*in their chat with MfaBot/);
    assert.match(answer.text, /Carol Chen[\s\S]*MfaBot installed for them, new 1:1 chat/);
    assert.equal(cardsIn(bobChat).length, 1, "Bob's card went to his existing chat");
    assert.deepEqual(installs(), [CAROL], 'only Carol needed an install');
    assert.deepEqual(created().map((c) => (c.body.members as { id: string }[])[0]?.id), [CAROL], 'only Carol needed a new conversation');
    assert.equal(nudgeCardsFor(CAROL).length, 1);
  });

  it('retries when the connector answers 429 with Retry-After, then delivers once', async () => {
    const bobChat = await install(BOB, 'Bob Brown', 'a:bob-throttled');
    // More 429s than the connector client retries by itself, so MfaBot's own retry is what delivers.
    connector.failNext(/bob-throttled\/activities/, 429, 5, 0);

    const answer = await nudge(BOB);
    assert.match(answer.text, /1 sent/);
    assert.equal(cardsIn(bobChat).length, 1, 'delivered exactly once');
  });

  it('gives up on an admin the connector keeps throttling, and still reaches the others', async () => {
    const carolChat = await install(CAROL, 'Carol Chen', `a:carol-throttled-${randomUUID()}`);
    connector.failNext(new RegExp(`${carolChat.slice(2)}/activities`), 429, 1_000, 0);

    const answer = await nudge(`${CAROL},${GINA}`);
    assert.match(answer.text, /Nudges: 1 sent, 0 skipped, 1 failed/);
    assert.match(answer.text, /Carol Chen[\s\S]*Teams kept throttling MfaBot/);
    assert.equal(cardsIn(carolChat).length, 0);
    assert.equal(nudgeCardsFor(GINA).length, 1);
  });

  it('answers at once with a progress card when delivery outlasts the invoke, then shows the results on the same card', async () => {
    await bot.close();
    bots = [];
    bot = await launch({ invokeBudgetMs: 0 });
    const cardId = randomUUID();
    const answer = await nudge(`${BOB},${CAROL}`, alice(), cardId);
    assert.match(answer.text, /Nudging (2 admins|the chosen admins)…/);

    await bot.nudge.idle();
    const updates = connector.sent.filter((s) => s.method === 'PUT' && s.activityId === cardId);
    assert.ok(updates.length >= 2, 'progress for everyone, then the results');
    const final = attachedCard(updates[updates.length - 1]?.body ?? {}) as Card;
    assertValid(final);
    assert.match(cardText(final), /Nudges: 2 sent/);
    assert.equal(created().length, 2);
  });

  it('tells the channel when a slow nudge fails and there is no card to update', async () => {
    await bot.close();
    bots = [];
    bot = await launch({ invokeBudgetMs: 0 });
    sim.inject({ method: 'GET', pathPattern: '^/roleManagement/directory/roleAssignments', status: 403, times: -1 });
    try {
      const before = cardsIn(channelId).length;
      const activity = cardAction('nudge.send', { admins: `${BOB},${CAROL}` }, alice());
      delete (activity as { replyToId?: string }).replyToId;
      const res = await post(bot.url, activity);
      assert.equal(res.status, 200);
      await bot.nudge.idle();
      const told = cardsIn(channelId).slice(before);
      assert.equal(told.length, 1, 'the clicker hears what happened');
      assert.match(cardText(told[0] ?? {}), /could not read the tenant/i);
    } finally {
      sim.clearFaults();
    }
  });

  it('marks an admin failed with the permission named when Graph refuses the install, and still nudges the others', async () => {
    sim.inject({ method: 'POST', pathPattern: `^/users/${CAROL}/teamwork/installedApps$`, status: 403 });
    const answer = await nudge(`${BOB},${CAROL},${GINA}`);

    assert.match(answer.text, /Nudges: 2 sent, 0 skipped, 1 failed/);
    assert.match(answer.text, /Carol Chen[\s\S]*TeamsAppInstallation\.ReadWriteSelfForUser\.All/);
    assert.match(answer.text, /Needs: TeamsAppInstallation\.ReadWriteSelfForUser\.All/);
    assert.equal(nudgeCardsFor(BOB).length, 1);
    assert.equal(nudgeCardsFor(GINA).length, 1);
    assert.equal(nudgeCardsFor(CAROL).length, 0);
    const history = await bot.nudge.nudgeHistory();
    assert.equal(history[CAROL], undefined, 'a failed delivery does not count as a nudge');

    // Carol is not locked out by the window: once the permission is there, the next nudge reaches her.
    const retry = await nudge(CAROL);
    assert.match(retry.text, /1 sent/);
  });

  it('waits for Teams after installing MfaBot for an admin: two refused createConversation calls, then the nudge arrives', async () => {
    connector.failNext(/^\/v3\/conversations$/, 403, 2);
    const answer = await nudge(BOB);
    assert.match(answer.text, /Nudges: 1 sent/);
    assert.deepEqual(installs(), [BOB]);
    assert.equal(nudgeCardsFor(BOB).length, 1);
  });

  it('names an app permission policy, not a permission, when one blocks MfaBot for an admin', async () => {
    (sim.state.teamsApps ?? [])[0]!.blockedFor = [CAROL];
    const answer = await nudge(`${BOB},${CAROL}`);
    assert.match(answer.text, /Nudges: 1 sent, 0 skipped, 1 failed/);
    assert.match(answer.text, /Carol Chen[\s\S]*app permission policy blocks MfaBot/);
    assert.doesNotMatch(answer.text, /Needs: /);
    assert.equal(nudgeCardsFor(BOB).length, 1);
  });

  it('"I\'ve registered": not yet while the report lags, then thanks and a note in the channel once the simulator flips the user', async () => {
    await nudge(BOB);
    const [chat] = createdFor(BOB);
    assert.ok(chat);
    const bobP = personal(BOB, 'Bob Brown', chat.conversationId);
    const batchId = (cardActions(nudgeCardsFor(BOB)[0]).find((a) => a.verb === 'nudge.confirm')?.data as { batchId: string }).batchId;

    const early = await post(bot.url, personalCardAction('nudge.confirm', { batchId }, bobP));
    const earlyCard = (early.body as { value: Card }).value;
    assertValid(earlyCard);
    assert.match(cardText(earlyCard), /Not confirmed yet/);
    assert.match(cardText(earlyCard), /can lag by a few hours/);
    assert.match(cardText(earlyCard), /check again/);
    assert.equal(cardsIn(channelId).length, 0, 'nothing told to the channel yet');

    assert.equal((await fetch(`${sim.url}/_sim/users/${BOB}/register`, { method: 'POST' })).status, 200);
    const done = await post(bot.url, personalCardAction('nudge.confirm', { batchId }, bobP));
    const doneCard = (done.body as { value: Card }).value;
    assertValid(doneCard);
    assert.match(cardText(doneCard), /Thank you,\s*\nBob Brown/);
    assert.match(cardText(doneCard), /letting the people who asked know/);
    await bot.nudge.idle();

    const notes = cardsIn(channelId);
    assert.equal(notes.length, 1, 'the channel that asked is told once');
    assertValid(notes[0] as Card);
    assert.match(cardText(notes[0]), /Bob Brown\n registered for MFA/);

    await post(bot.url, personalCardAction('nudge.confirm', { batchId }, bobP));
    await bot.nudge.idle();
    assert.equal(cardsIn(channelId).length, 1, 'a second click does not post again');
  });

  it('checks again later by itself after an unconfirmed "I\'ve registered", and tells the channel', async () => {
    await nudge(GINA);
    const [chat] = createdFor(GINA);
    assert.ok(chat);
    await post(bot.url, personalCardAction('nudge.confirm', { batchId: 'x' }, personal(GINA, 'Gina Garcia', chat.conversationId)));
    await fetch(`${sim.url}/_sim/users/${GINA}/register`, { method: 'POST' });

    await bot.nudge.tick();
    assert.equal(cardsIn(channelId).length, 0, 'not before the re-check is due');
    clock.advance(HOUR + 1);
    await bot.nudge.tick();
    const notes = cardsIn(channelId);
    assert.equal(notes.length, 1);
    assert.match(cardText(notes[0]), /Gina Garcia\n registered for MFA/);
    assert.ok(cardsIn(chat.conversationId).some((c) => /Thank you/.test(cardText(c))), 'Gina is thanked in her chat');
  });

  it('keeps nudge history and conversation references across a restart (FileStore re-opened)', async () => {
    await nudge(BOB);
    await bot.close();
    bots = [];
    clock.advance(3 * HOUR);
    bot = await launch();

    const history = await bot.nudge.nudgeHistory();
    assert.equal(history[BOB]?.count, 1);
    const again = await nudge(BOB);
    assert.match(again.text, /Bob Brown[\s\S]*nudged 3 h ago/);

    // The status card shows it once the lead passes nudgeHistory through (see the report).
    const rendered = statusCard(await readReport(), { now: clock.now(), nudgeHistory: history });
    assert.match(cardText(rendered), /Bob Brown[\s\S]*nudged 1× · last 3 h ago/);

    clock.advance(22 * HOUR);
    const created0 = created().length;
    await nudge(BOB);
    assert.equal(created().length, created0, 'the stored reference is used after the restart');
  });

  it('posts a digest once when two instances share the store, driven by the clock; unsubscribe stops it', async () => {
    const second = await launch();
    const sub = await post(bot.url, mentionMessage('subscribe daily', alice()));
    assert.ok(sub.status < 300);
    const reply = await connector.waitFor((a) => a.conversationId === channelId && typeof a.body.text === 'string' && /Subscribed/.test(a.body.text as string));
    assert.match(String(reply.body.text), /every day at 08:00 UTC/);

    await Promise.all([bot.nudge.tick(), second.nudge.tick()]);
    assert.equal(digests().length, 0, 'nothing before the next 08:00 UTC');

    clock.set('2025-11-27T08:00:30Z');
    await Promise.all([bot.nudge.tick(), second.nudge.tick(), bot.nudge.tick(), second.nudge.tick()]);
    assert.equal(digests().length, 1, 'one digest for two instances');
    const first = digests()[0] as Card;
    assertValid(first);
    assert.match(cardText(first), /Daily admin MFA digest/);
    assert.match(cardText(first), /3 of 7 admins registered for MFA/);
    assert.ok(cardActions(first).some((a) => a.verb === 'nudge.send'), 'the same Nudge button');
    assert.ok(cardActions(first).some((a) => a.verb === 'status.refresh'));

    clock.advance(HOUR);
    await Promise.all([bot.nudge.tick(), second.nudge.tick()]);
    assert.equal(digests().length, 1, 'not twice the same day');

    await fetch(`${sim.url}/_sim/users/${BOB}/register`, { method: 'POST' });
    clock.set('2025-11-28T09:00:00Z');
    await Promise.all([second.nudge.tick(), bot.nudge.tick()]);
    assert.equal(digests().length, 2);
    const next = digests()[1] as Card;
    assert.match(cardText(next), /4 of 7 admins registered/);
    assert.match(cardText(next), /Registered since the last digest \(1\)\nBob Brown/);
    assert.match(cardText(next), /\+1 since/);

    await post(second.url, mentionMessage('unsubscribe', alice()));
    await connector.waitFor((a) => a.conversationId === channelId && /Unsubscribed/.test(String(a.body.text ?? '')));
    clock.set('2025-11-29T09:00:00Z');
    await Promise.all([second.nudge.tick(), bot.nudge.tick()]);
    assert.equal(digests().length, 2, 'no digest after unsubscribe');
  });

  it('refuses subscribe from a non-approver', async () => {
    await post(bot.url, mentionMessage('subscribe weekly', inChannel(BOB, 'Bob Brown')));
    const reply = await connector.waitFor((a) => a.conversationId === channelId && typeof a.body.text === 'string');
    assert.match(String(reply.body.text), /Only approvers can subscribe/);
  });

  it('forgets the reference when the user uninstalls MfaBot (installationUpdate and conversationUpdate)', async () => {
    const conversations = new ConversationStore(new FileStore(dataDir));
    await install(BOB, 'Bob Brown');
    assert.equal((await conversations.get(TENANT, BOB))?.reference.conversation.id, `a:${BOB}-chat`);
    await post(bot.url, installationUpdate('remove', personal(BOB, 'Bob Brown')));
    assert.equal(await conversations.get(TENANT, BOB), undefined);

    await post(bot.url, botMembership('membersAdded', personal(CAROL, 'Carol Chen')));
    assert.ok(await conversations.get(TENANT, CAROL));
    await post(bot.url, botMembership('membersRemoved', personal(CAROL, 'Carol Chen')));
    assert.equal(await conversations.get(TENANT, CAROL), undefined);

    // Without a reference, the next nudge installs and creates a conversation again.
    await nudge(BOB);
    assert.deepEqual(installs(), [BOB]);
  });

  it('refuses a non-nudger and messages nobody', async () => {
    const answer = await nudge(`${CAROL},${GINA}`, inChannel(BOB, 'Bob Brown'));
    assert.match(answer.text, /Only approvers can nudge admins/);
    assert.equal(created().length, 0);
    assert.equal(connector.sent.length, 0, 'not even the channel card changed');
    assert.deepEqual(await bot.nudge.nudgeHistory(), {});
  });

  it('lets anyone nudge when MFABOT_NUDGERS=anyone', async () => {
    await bot.close();
    bots = [];
    bot = await launch({ settings: { nudgers: { kind: 'anyone' } } });
    const answer = await nudge(GINA, inChannel(BOB, 'Bob Brown'));
    assert.match(answer.text, /1 sent/);
  });

  function digests(): Card[] {
    return cardsIn(channelId).filter((c) => /digest/.test(cardText(c)));
  }

  function readReport() {
    const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 2_000, maxRetries: 1, logger: silentLogger() });
    const gateway = new GraphTenantGateway({ client, baseUrl: sim.url, tenantId: TENANT });
    return new StatusService({ gateway, settings: { roleIds: parseRoleScope('template'), breakGlassUserIds: [], exclusionGroupId: null }, cacheSeconds: 0 }).get();
  }
});
