import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startMfaBot, type RunningBot } from '../../src/index';
import { demoTenant } from '../../src/sim/demo';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { ConversationStore, type ConversationRef } from '../../src/store/conversations';
import { FileStore } from '../../src/store/fileStore';
import { SubscriptionStore, subscriptionId } from '../../src/store/subscriptions';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { BOT_ID, type ActivityOptions } from '../support/activities';
import { JOHANNA, MEGAN, TENANT, cardsPostedIn, click, demoBotEnv, quietDigestHour } from './processHarness';

const OTHER_TENANT = '0bad7e4a-0000-4000-8000-00000000beef';
const ISAIAH = '99c3cece-3923-4842-9440-a25d2d5c9616';
const ALEX = 'ac643316-47da-40f0-b2b8-10b985d45628';
const DAY = 86_400_000;

describe('proactive messages go only to the configured tenant', function () {
  this.timeout(20_000);
  let sim: Simulator;
  let connector: FakeConnector;
  let bot: RunningBot;
  const logs: string[] = [];
  const ourChannel = `19:${randomUUID()}@thread.tacv2`;
  const theirChannel = `19:${randomUUID()}@thread.tacv2`;
  const plantedForIsaiah = `a:${randomUUID()}`;
  const plantedForJohanna = `a:${randomUUID()}`;
  const plantedForAlex = `a:${randomUUID()}`;
  const untenantedChannel = `19:${randomUUID()}@thread.tacv2`;

  const reference = (conversationId: string, tenantId: string | undefined, userId?: string): ConversationRef => ({
    channelId: 'msteams',
    serviceUrl: connector.url,
    conversation: { id: conversationId, ...(tenantId ? { tenantId } : {}), conversationType: userId ? 'personal' : 'channel', isGroup: !userId },
    bot: { id: BOT_ID, name: 'MfaBot' },
    ...(userId ? { user: { id: `29:${userId}`, aadObjectId: userId } } : {}),
  });

  before(async () => {
    [sim, connector] = await Promise.all([startSimulator({ tenant: demoTenant() }), startFakeConnector()]);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mfabot-tenant-'));
    const store = new FileStore(dataDir);
    const conversations = new ConversationStore(store);
    const subscriptions = new SubscriptionStore(store);
    const yesterday = new Date(Date.now() - 2 * DAY).toISOString();
    const subscription = (conversationId: string, tenantId: string, referenceTenant: string | null = tenantId) => ({
      id: subscriptionId(conversationId), cadence: 'daily' as const, reference: reference(conversationId, referenceTenant ?? undefined), tenantId, teamId: null,
      createdAt: yesterday, createdBy: { id: MEGAN, name: 'Megan Bowen' }, lastPeriod: null, lastPostedAt: null, lastSnapshot: null,
    });
    // Planted in storage: another tenant's 1:1 chat with Isaiah (under that tenant's key), a reference
    // of another tenant under our tenant's key for Johanna, and another tenant's digest subscription
    // beside one of ours (which shows the scheduler ran).
    await conversations.save({ tenantId: OTHER_TENANT, aadObjectId: ISAIAH, reference: reference(plantedForIsaiah, OTHER_TENANT, ISAIAH), savedAt: yesterday, source: 'install' });
    await conversations.save({ tenantId: TENANT, aadObjectId: JOHANNA, reference: reference(plantedForJohanna, OTHER_TENANT, JOHANNA), savedAt: yesterday, source: 'install' });
    await subscriptions.upsert(subscription(theirChannel, OTHER_TENANT));
    // References that name no tenant at all (an older version's, or planted): refused like another tenant's.
    await conversations.save({ tenantId: TENANT, aadObjectId: ALEX, reference: reference(plantedForAlex, undefined, ALEX), savedAt: yesterday, source: 'install' });
    await subscriptions.upsert(subscription(untenantedChannel, TENANT, null));
    await subscriptions.upsert(subscription(ourChannel, TENANT));

    bot = await startMfaBot(
      demoBotEnv(sim.url, { MFABOT_STORAGE: 'file', MFABOT_DATA_DIR: dataDir, MFABOT_SCHEDULER_INTERVAL_MS: '100', MFABOT_DIGEST_HOUR_UTC: quietDigestHour() }),
      { simulator: sim, logDestination: new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } }) },
    );
  });

  after(async () => {
    await bot?.close();
    await Promise.all([sim?.close(), connector?.close()]);
  });

  const megan = (): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId: ourChannel, fromAadObjectId: MEGAN, fromName: 'Megan Bowen' });
  const createConversations = () => connector.sent.filter((s) => s.method === 'POST' && s.path === '/v3/conversations');

  it('never continues a stored conversation of another tenant, and opens new 1:1 chats in the configured tenant', async () => {
    const answer = await click(bot.url, 'nudge.send', { admins: `${ISAIAH},${JOHANNA},${ALEX}` }, megan());

    assert.equal(answer.status, 200);
    assert.match(answer.text, /^Nudges: 3 sent/m);
    assert.deepEqual(connector.sent.filter((s) => [plantedForIsaiah, plantedForJohanna, plantedForAlex].includes(s.conversationId)), [], 'nothing went to the planted conversations');
    assert.equal(createConversations().length, 3, 'a new 1:1 chat for each');
  });

  it('never posts a digest to another tenant\'s subscription', async () => {
    await connector.waitFor((s) => s.conversationId === ourChannel && cardsPostedIn(connector, ourChannel, /admin MFA digest/).includes(s), 5_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(connector.sent.filter((s) => s.conversationId === theirChannel), [], 'nothing went to the other tenant\'s channel');
    assert.deepEqual(connector.sent.filter((s) => s.conversationId === untenantedChannel), [], 'nothing went to a reference without a tenant');
    assert.equal(cardsPostedIn(connector, ourChannel, /admin MFA digest/).length, 1);
    const refusals = logs.filter((l) => l.includes('refused a proactive message to a conversation of another tenant'));
    assert.ok(refusals.filter((l) => l.includes(OTHER_TENANT)).length >= 2, 'each refusal is logged with the tenant');
    assert.ok(refusals.filter((l) => l.includes('"tenant":null')).length >= 2, 'references without a tenant are refused too');
  });

  it('creates every conversation with the configured tenant id', () => {
    assert.ok(createConversations().length > 0);
    for (const c of createConversations()) {
      assert.equal(c.body.tenantId, TENANT);
      assert.equal((c.body.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id, TENANT);
    }
  });
});
