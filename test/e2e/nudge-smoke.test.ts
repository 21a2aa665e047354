import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMfaBot, type RunningBot } from '../../src/index';
import { DEMO_APPROVER_IDS } from '../../src/sim/demo';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, message, post } from '../support/activities';
import { attachedCard, cardActions, cardText } from '../support/cards';

describe('demo mode: a nudge from the channel reaches the admins, and "I\'ve registered" closes the loop (startMfaBot)', () => {
  let bot: RunningBot;
  let connector: FakeConnector;
  const CHANNEL = '19:security@thread.tacv2';

  before(async () => {
    connector = await startFakeConnector();
    bot = await startMfaBot({ PORT: '0', SIM_PORT: '0', LOG_LEVEL: 'silent', MFABOT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mfabot-data-')) });
  });
  after(async () => {
    await bot?.close();
    await connector?.close();
  });

  it('nudges every unregistered admin, and tells the channel when one registers', async () => {
    const sim = bot.simulator;
    assert.ok(sim);
    const tenantId = sim.state.organization.id;
    const megan = { serviceUrl: connector.url, tenantId, conversationId: CHANNEL, fromAadObjectId: DEMO_APPROVER_IDS[0], fromName: 'Megan Bowen' };
    const res = await post(bot.url, cardAction('nudge.send', { admins: 'all' }, megan));
    const result = cardText((res.body as { value: unknown }).value);
    assert.match(result, /Nudges: 7 sent, 0 skipped, 0 failed/);
    const chats = connector.sent.filter((s) => s.method === 'POST' && s.path === '/v3/conversations');
    assert.equal(chats.length, 7);

    const first = chats[0];
    assert.ok(first);
    const userId = (first.body.members as { id: string }[])[0]?.id ?? '';
    const nudgeCard = connector.sent.find((s) => s.conversationId === first.conversationId && attachedCard(s.body))?.body;
    assert.ok(nudgeCard && cardActions(attachedCard(nudgeCard)).some((a) => a.verb === 'nudge.confirm'));
    await fetch(`${sim.url}/_sim/users/${userId}/register`, { method: 'POST' });
    const confirm = cardAction('nudge.confirm', {}, { serviceUrl: connector.url, tenantId, conversationId: first.conversationId, fromAadObjectId: userId, fromName: 'Admin' });
    confirm.conversation.conversationType = 'personal';
    const thanks = await post(bot.url, confirm);
    assert.match(cardText((thanks.body as { value: unknown }).value), /Thank you/);
    const note = await connector.waitFor((s) => s.conversationId === CHANNEL && s.method === 'POST' && /registered for MFA/.test(cardText(attachedCard(s.body) ?? {})));
    assert.ok(note);

    const status = message('status', megan);
    await post(bot.url, status);
    const reply = await connector.waitFor((a) => a.replyToId === status.id && attachedCard(a.body) !== undefined);
    assert.match(cardText(attachedCard(reply.body)), /nudged 1× · last just now/);
  });
});
