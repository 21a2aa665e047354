import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMfaBot, type RunningBot } from '../../src/index';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, message, post } from '../support/activities';
import { attachedCard, cardActions, cardText } from '../support/cards';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const TENANT = 'f1b2c3d4-0000-4000-8000-00000000fab1';
const ALICE = 'a1000000-0000-4000-8000-000000000001';
const BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b1';

describe('from "not covered" to "covered" in two approver clicks, through startMfaBot', () => {
  let bot: RunningBot;
  let connector: FakeConnector;

  before(async () => {
    connector = await startFakeConnector();
    bot = await startMfaBot({
      PORT: '0', SIM_PORT: '0', LOG_LEVEL: 'silent',
      MFABOT_TENANT_FILE: FIXTURE, MFABOT_APPROVERS: ALICE, MFABOT_BREAK_GLASS: BREAK_GLASS,
      MFABOT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mfabot-data-')),
    });
  });

  after(async () => {
    await bot?.close();
    await connector?.close();
  });

  const as = (aad: string) => ({ serviceUrl: connector.url, tenantId: TENANT, fromAadObjectId: aad, conversationId: '19:security@thread.tacv2' });

  async function statusCard() {
    const activity = message('status', as(ALICE));
    await post(bot.url, activity);
    const reply = await connector.waitFor((a) => a.replyToId === activity.id && attachedCard(a.body) !== undefined);
    return attachedCard(reply.body) as Record<string, unknown>;
  }

  /**
   * A click as Teams makes it in the demo's default write mode (the approver's own identity): the bot
   * asks for a sign-in, Teams gets Alice's token from the identity provider and clicks again with it.
   */
  async function click(verb: string) {
    const sim = bot.simulator;
    assert.ok(sim);
    const first = await post(bot.url, cardAction(verb, {}, as(ALICE)));
    const asked = first.body as { statusCode?: number; value?: { tokenExchangeResource?: { id?: string; uri?: string } } };
    assert.equal(asked.statusCode, 401, 'the bot asks Teams to sign Alice in first');
    const exchange = asked.value?.tokenExchangeResource ?? {};
    const sso = await fetch(`${sim.url}/_sim/sso`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: ALICE, resource: exchange.uri, consent: true }),
    });
    assert.equal(sso.status, 200);
    const { token } = (await sso.json()) as { token: string };
    const again = cardAction(verb, {}, as(ALICE));
    (again.value as Record<string, unknown>).authentication = { id: exchange.id, connectionName: '', token };
    return post(bot.url, again);
  }

  it('creates the policy report-only, then enforces it, and the status card follows', async () => {
    const sim = bot.simulator;
    assert.ok(sim);
    const create = await click('policy.create');
    assert.equal(create.status, 200);
    const created = sim.state.conditionalAccessPolicies.find((p) => p.displayName === 'MfaBot - Require MFA for admin roles');
    assert.ok(created, 'the policy exists in the tenant');
    assert.equal(created.state, 'enabledForReportingButNotEnforced');

    const afterCreate = await statusCard();
    assert.ok(cardActions(afterCreate).some((a) => a.verb === 'policy.enable'), 'offers Enforce');
    assert.ok(!cardActions(afterCreate).some((a) => a.verb === 'policy.create'), 'no longer offers Create');

    const enable = await post(bot.url, cardAction('policy.enable', {}, as(ALICE)));
    // Alice's sign-in from the first click is still good: no second prompt.
    assert.equal(enable.status, 200);
    assert.equal(sim.state.conditionalAccessPolicies.find((p) => p.id === created.id)?.state, 'enabled');

    const refreshed = await post(bot.url, cardAction('status.refresh', {}, as(ALICE)));
    const text = cardText((refreshed.body as { value: unknown }).value);
    assert.match(text, /MFA is enforced for every admin role in scope/);
  });
});
