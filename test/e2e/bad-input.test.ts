import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startMfaBot, type RunningBot } from '../../src/index';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, mentionMessage, message, post } from '../support/activities';
import { attachedCard, cardText } from '../support/cards';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const TENANT = 'f1b2c3d4-0000-4000-8000-00000000fab1';

async function raw(url: string, body: string, contentType = 'application/json') {
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': contentType }, body });
  await res.text();
  return res.status;
}

describe('bad input never crashes the bot', () => {
  let bot: RunningBot;
  let connector: FakeConnector;
  const logs: string[] = [];

  before(async () => {
    connector = await startFakeConnector();
    bot = await startMfaBot(
      { PORT: '0', MFABOT_STORAGE: 'memory', SIM_PORT: '0', MFABOT_TENANT_FILE: FIXTURE, LOG_LEVEL: 'info' },
      { logDestination: new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } }) },
    );
  });

  after(async () => {
    await bot?.close();
    await connector?.close();
  });

  const opts = () => ({ serviceUrl: connector.url, tenantId: TENANT });

  async function stillAlive() {
    const health = await fetch(`${bot.url}/healthz`);
    assert.equal(health.status, 200);
    const activity = message('status', opts());
    await post(bot.url, activity);
    await connector.waitFor((a) => a.conversationId === activity.conversation.id && attachedCard(a.body) !== undefined);
  }

  const corpus: [string, () => Promise<number>][] = [
    ['invalid JSON', () => raw(bot.url, '{"type": "message", ')],
    ['a JSON array', () => raw(bot.url, '[1,2,3]')],
    ['a JSON string', () => raw(bot.url, '"status"')],
    ['an empty body', () => raw(bot.url, '')],
    ['a wrong content type', () => raw(bot.url, 'type=message&text=status', 'application/x-www-form-urlencoded')],
    ['an activity with no type', async () => (await post(bot.url, { ...message('status', opts()), type: undefined })).status],
    ['an unknown activity type', async () => (await post(bot.url, { ...message('status', opts()), type: 'frobnicate' })).status],
    ['a numeric type', async () => (await post(bot.url, { ...message('status', opts()), type: 42 })).status],
    ['no from', async () => (await post(bot.url, { ...message('status', opts()), from: undefined })).status],
    ['no conversation', async () => (await post(bot.url, { ...message('status', opts()), conversation: undefined })).status],
    ['no serviceUrl', async () => (await post(bot.url, { ...message('status', opts()), serviceUrl: undefined })).status],
    ['a 1 MB text', async () => (await post(bot.url, message('x'.repeat(1024 * 1024), opts()))).status],
    ['a null text', async () => (await post(bot.url, { ...message('status', opts()), text: null })).status],
    ['an object as text', async () => (await post(bot.url, { ...message('status', opts()), text: { evil: true } })).status],
    ['an unknown invoke name', async () => (await post(bot.url, { ...cardAction('status.refresh', {}, opts()), name: 'task/fetch' })).status],
    ['an adaptiveCard/action with no verb', async () => (await post(bot.url, { ...cardAction('status.refresh', {}, opts()), value: { action: { type: 'Action.Execute' } } })).status],
    ['an adaptiveCard/action with garbage value', async () => (await post(bot.url, { ...cardAction('status.refresh', {}, opts()), value: 'garbage' })).status],
    ['an adaptiveCard/action with array data', async () => (await post(bot.url, cardAction('status.refresh', [1, 2] as unknown as Record<string, unknown>, opts()))).status],
    ['a prototype-polluting payload', async () => (await post(bot.url, JSON.parse(JSON.stringify(cardAction('status.refresh', {}, opts())).replace('"data":{}', '"data":{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}')))).status],
  ];

  for (const [what, send] of corpus) {
    it(`answers ${what} with a 4xx or a clean reply, and stays up`, async () => {
      const status = await send();
      assert.ok(status < 500, `HTTP ${status}`);
      assert.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype pollution');
      await stillAlive();
    });
  }

  it('answers a replayed invoke the same way both times', async () => {
    const invoke = cardAction('status.refresh', {}, opts());
    const first = await post(bot.url, invoke);
    const second = await post(bot.url, invoke);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal((first.body as { type: string }).type, (second.body as { type: string }).type);
  });

  for (const [what, text] of [
    ['right-to-left and zero-width characters', '\u202estatus\u200b'],
    ['full-width letters', 'ｓｔａｔｕｓ'],
    ['emoji', 'status 🔐🔐🔐'],
    ['a lone surrogate', 'status \ud800'],
    ['markup', '<script>alert(1)</script> status'],
  ] as const) {
    it(`understands or politely declines a message with ${what}`, async () => {
      const activity = mentionMessage(text, opts());
      const res = await post(bot.url, activity);
      assert.ok(res.status < 500);
      const reply = await connector.waitFor((a) => a.conversationId === activity.conversation.id && attachedCard(a.body) !== undefined);
      const card = attachedCard(reply.body);
      assert.ok(card);
      assert.ok(!cardText(card).includes('<script>'), 'markup is not echoed back');
    });
  }

  it('logs each refusal, whatever ran before', async () => {
    for (const [what, send] of corpus.slice(0, 5)) {
      const seen = logs.length;
      const status = await send();
      assert.ok(status >= 400 && status < 500, `${what}: HTTP ${status}`);
      const warned = logs.slice(seen).map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 40);
      assert.ok(warned.length > 0, `${what}: a warning was logged`);
    }
  });
});
