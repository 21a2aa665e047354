import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SHUTDOWN_GRACE_MS } from '../../src/index';
import { demoTenant } from '../../src/sim/demo';
import { startSimulator, type Fault, type Simulator } from '../../src/sim/server';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { attachedCard, cardText } from '../support/cards';
import type { ActivityOptions } from '../support/activities';
import { killAll, startBotProcess } from '../support/botProcess';
import { MEGAN, POLICIES_PATH, POLICY_NAME, TENANT, cardsPostedIn, click, createdFor, demoBotEnv, sleep } from './processHarness';

const INSTALL = '^/users/[^/]+/teamwork/installedApps$';

describe('graceful shutdown on SIGTERM (bot process, file store)', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let connector: FakeConnector;
  const channelId = `19:${randomUUID()}@thread.tacv2`;
  const megan = (): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId: channelId, fromAadObjectId: MEGAN, fromName: 'Megan Bowen' });
  const env = () => demoBotEnv(sim.url, { MFABOT_STORAGE: 'file', MFABOT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mfabot-shutdown-')) });

  before(async () => {
    [sim, connector] = await Promise.all([startSimulator({ tenant: demoTenant() }), startFakeConnector()]);
  });
  after(async () => {
    await killAll();
    await Promise.all([sim?.close(), connector?.close()]);
  });
  afterEach(() => sim.clearFaults());

  /** Faults armed in the simulator and not consumed yet (a fault is consumed when its request arrives). */
  async function armedFaults(): Promise<Fault[]> {
    return (await (await fetch(`${sim.url}/_sim/faults`)).json()) as Fault[];
  }

  async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
    const started = Date.now();
    while (!(await condition())) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
      await sleep(20);
    }
  }

  it('answers the click whose policy create is in flight, creates the policy, and exits 0', async () => {
    const bot = await startBotProcess(env());
    sim.inject({ method: 'POST', pathPattern: '^/identity/conditionalAccess/policies$', status: 200, delayMs: 2_500 });

    const answer = click(bot.url, 'policy.create', {}, megan());
    await until(async () => (await armedFaults()).length === 0, 'the POST to Graph is in flight');
    const signalled = Date.now();
    await bot.stop('SIGTERM').then(() => undefined, () => undefined);
    const [answered, exit] = await Promise.all([answer, bot.exited]);

    assert.equal(answered.status, 200);
    assert.match(answered.text, /^Created: Conditional Access policy/m);
    assert.equal(exit.code, 0);
    assert.ok(exit.at - signalled >= 1_500, `it waited for the POST (exited after ${exit.at - signalled} ms)`);
    assert.ok(exit.at - signalled < SHUTDOWN_GRACE_MS + 2_000, `it exited within the grace period (${exit.at - signalled} ms)`);
    assert.equal(sim.requests().filter((r) => r.method === 'POST' && r.path === POLICIES_PATH).length, 1);
    assert.equal(sim.state.conditionalAccessPolicies.filter((p) => p.displayName === POLICY_NAME).length, 1);
    assert.ok(bot.logs().some((l) => l.msg === 'stopped'), 'it logged a clean stop');
  });

  it('finishes the nudges under way, queues the others, and the next start sends them and updates the card', async () => {
    const processEnv = env();
    const first = await startBotProcess(processEnv);
    // Every install of MfaBot for an admin takes 2 s; at most four deliveries run at once.
    for (let i = 0; i < 12; i++) sim.inject({ method: 'POST', pathPattern: INSTALL, status: 201, delayMs: 2_000 });
    const cardId = randomUUID();

    const answer = click(first.url, 'nudge.send', { admins: 'all' }, megan(), cardId);
    await until(async () => (await armedFaults()).length === 8, 'four installs are in flight');
    const signalled = Date.now();
    await first.stop('SIGTERM').then(() => undefined, () => undefined);
    const [answered, exit] = await Promise.all([answer, first.exited]);

    assert.equal(answered.status, 200);
    assert.match(answered.text, /^Nudges: 4 sent, 0 skipped, 0 failed, (\d+) queued$/m);
    const queued = Number(/(\d+) queued/.exec(answered.text)?.[1]);
    assert.ok(queued > 0, 'some admins were left for the next start');
    assert.match(answered.text, /MfaBot was restarting/);
    assert.equal(exit.code, 0);
    assert.ok(exit.at - signalled < SHUTDOWN_GRACE_MS, `it did not wait for the queued ones (${exit.at - signalled} ms)`);
    const sentBefore = connector.sent.filter((s) => s.method === 'POST' && s.path === '/v3/conversations').length;
    assert.equal(sentBefore, 4, 'four 1:1 conversations before the stop');

    sim.clearFaults();
    const second = await startBotProcess(processEnv);
    // The clicked card was replaced for everyone with "4 sent, 3 queued"; now with the final results.
    const update = await connector.waitFor((s) => s.method === 'PUT' && s.activityId === cardId && /^Nudges: .* failed$/m.test(cardText(attachedCard(s.body) ?? {})), 15_000);
    assert.match(cardText(attachedCard(update.body) ?? {}), new RegExp(`^Nudges: ${4 + queued} sent, 0 skipped, 0 failed$`, 'm'));

    const members = connector.sent
      .filter((s) => s.method === 'POST' && s.path === '/v3/conversations')
      .flatMap((s) => (s.body.members as { id: string }[]).map((m) => m.id));
    assert.equal(members.length, 4 + queued);
    assert.equal(new Set(members).size, members.length, 'nobody got two conversations');
    for (const id of members) {
      const chats = createdFor(connector, id);
      assert.equal(cardsPostedIn(connector, chats[0]?.conversationId ?? '').length, 1, `one message to ${id}`);
    }
    assert.ok(second.logs().some((l) => l.msg === 'resuming nudges queued by a stopped instance'));
    assert.equal((await second.stop('SIGTERM')).code, 0);
  });
});
