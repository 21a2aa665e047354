import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobStore } from '../../src/store/blobStore';
import { SubscriptionStore, subscriptionId } from '../../src/store/subscriptions';
import { demoTenant } from '../../src/sim/demo';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { mentionMessage, post, type ActivityOptions } from '../support/activities';
import { attachedCard, cardText } from '../support/cards';
import { freePort, listening, startAzurite, type Azurite } from '../support/azurite';
import { killAll, startBotProcess, type BotProcess } from '../support/botProcess';
import {
  JOHANNA, MEGAN, POLICIES_PATH, POLICY_NAME, TENANT, cardsPostedIn, click, createdFor, demoBotEnv, quietDigestHour, sleep,
} from './processHarness';

describe('two MfaBot processes sharing one Azurite container', function () {
  this.timeout(30_000);
  const container = `mfabot-scale-${randomUUID().slice(0, 8)}`;
  let azurite: Azurite;
  let sim: Simulator;
  let connector: FakeConnector;
  let simPort: number;
  let bots: BotProcess[] = [];
  const channelId = `19:${randomUUID()}@thread.tacv2`;
  const megan = (): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId: channelId, fromAadObjectId: MEGAN, fromName: 'Megan Bowen' });

  before(async function () {
    this.timeout(40_000);
    [azurite, sim, connector, simPort] = await Promise.all([startAzurite(), startSimulator({ tenant: demoTenant() }), startFakeConnector(), freePort()]);
    const env = demoBotEnv(sim.url, {
      SIM_PORT: String(simPort),
      MFABOT_STORAGE: 'blob',
      MFABOT_BLOB_CONNECTION_STRING: azurite.connectionString(),
      MFABOT_BLOB_CONTAINER: container,
      // Both schedulers look for due digests five times a second, so their passes overlap.
      MFABOT_SCHEDULER_INTERVAL_MS: '200',
      MFABOT_DIGEST_HOUR_UTC: quietDigestHour(),
    });
    bots = await Promise.all([startBotProcess(env), startBotProcess(env)]);
  });

  after(async () => {
    await killAll();
    await Promise.all([azurite?.close(), sim?.close(), connector?.close()]);
  });

  it('runs each process in demo mode on the given Graph, without a simulator of its own, and both are ready', async () => {
    for (const bot of bots) {
      const line = await bot.waitForLog((l) => l.msg === 'MfaBot listening');
      assert.equal(line.demo, true);
      assert.equal(line.graph, sim.url);
      await bot.waitForText(`Simulated Graph: ${sim.url}\n`);
      const ready = await fetch(`${bot.url}/readyz`);
      assert.equal(ready.status, 200, JSON.stringify(await ready.json()));
    }
    assert.equal(await listening(simPort), false, 'nothing listens on SIM_PORT: no simulator was started');
    assert.notEqual(bots[0]?.pid, bots[1]?.pid);
  });

  it('creates exactly one policy when an approver\'s 50 concurrent clicks are spread over both processes', async () => {
    const before = sim.requests().length;
    const cardIds = Array.from({ length: 50 }, () => randomUUID());
    const answers = await Promise.all(cardIds.map((cardId, i) => click((bots[i % 2] as BotProcess).url, 'policy.create', {}, megan(), cardId)));

    assert.deepEqual(answers.map((a) => a.status), Array.from({ length: 50 }, () => 200));
    const posts = sim.requests().slice(before).filter((r) => r.method === 'POST' && r.path === POLICIES_PATH);
    assert.equal(posts.length, 1, 'one POST to Graph');
    assert.equal(sim.state.conditionalAccessPolicies.filter((p) => p.displayName === POLICY_NAME).length, 1, 'one policy in the tenant');
    // On a loaded machine the winning click may outlast the invoke budget: it then answers "Creating…"
    // and shows "Created" by updating its card later. Either way exactly one click reports the creation.
    const created = /^Created: Conditional Access policy/m;
    const reportedBy = () => new Set([
      ...cardIds.filter((_, i) => created.test(answers[i]?.text ?? '')),
      ...connector.sent.filter((s) => s.method === 'PUT' && created.test(cardText(attachedCard(s.body) ?? {}))).map((s) => s.activityId),
    ]);
    if (reportedBy().size === 0) await connector.waitFor((s) => s.method === 'PUT' && created.test(cardText(attachedCard(s.body) ?? {})), 10_000);
    assert.equal(reportedBy().size, 1, answers.map((a) => a.text.split('\n')[0]).join(' | '));
    for (const a of answers) assert.match(a.text, /^(Created: Conditional Access policy|Already in progress|Creating the Conditional Access policy…|MfaBot's Conditional Access policy already exists)/m);
    for (const a of answers) assert.doesNotMatch(a.text, /went wrong|could not/i);
  });

  it('messages an admin once when both processes are asked to nudge her at the same time', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => click((bots[i % 2] as BotProcess).url, 'nudge.send', { admins: JOHANNA }, megan())));

    assert.deepEqual(answers.map((a) => a.status), Array.from({ length: 10 }, () => 200));
    assert.equal(answers.filter((a) => /Nudges: 1 sent/.test(a.text)).length, 1, answers.map((a) => a.text.split('\n')[0]).join(' | '));
    const chats = createdFor(connector, JOHANNA);
    assert.equal(chats.length, 1, 'one 1:1 conversation');
    assert.equal(cardsPostedIn(connector, chats[0]?.conversationId ?? '').length, 1, 'one message in it');
  });

  it('posts a due digest once while both processes\' schedulers run', async () => {
    const subscribe = mentionMessage('subscribe daily', megan());
    assert.equal((await post((bots[0] as BotProcess).url, subscribe)).status, 200);
    const reply = await connector.waitFor((s) => s.conversationId === channelId && s.replyToId === subscribe.id);
    assert.match(String(reply.body.text), /^Subscribed/);

    // A subscription made yesterday: today's slot is owed (a new one waits for the next slot).
    const store = new BlobStore(BlobServiceClient.fromConnectionString(azurite.connectionString()).getContainerClient(container));
    const changed = await new SubscriptionStore(store).update(subscriptionId(channelId), (s) => ({ ...s, createdAt: new Date(Date.now() - 2 * 86_400_000).toISOString() }));
    assert.ok(changed, 'the subscription is in the shared container');

    const digest = await connector.waitFor((s) => s.conversationId === channelId && /admin MFA digest/.test(cardText(attachedCard(s.body) ?? {})), 10_000);
    assert.match(cardText(attachedCard(digest.body) ?? {}), /Daily admin MFA digest/);
    await sleep(1_500);
    assert.equal(cardsPostedIn(connector, channelId, /admin MFA digest/).length, 1, 'one digest, though both schedulers passed several times');
    for (const bot of bots) assert.ok(bot.logs().some((l) => l.msg === 'MfaBot listening'));
    assert.equal(bots.filter((b) => b.logs().some((l) => l.msg === 'digest posted')).length, 1, 'posted by one of the two');
  });

  it('stops both processes on SIGTERM with exit code 0', async () => {
    const exits = await Promise.all(bots.map((b) => b.stop('SIGTERM')));
    assert.deepEqual(exits.map((e) => e.code), [0, 0]);
  });
});
