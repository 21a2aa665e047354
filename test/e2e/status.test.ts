import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startMfaBot, type RunningBot } from '../../src/index';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, mentionMessage, message, post, type ActivityOptions } from '../support/activities';
import { attachedCard, cardActions, cardText, findById } from '../support/cards';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const TENANT = 'f1b2c3d4-0000-4000-8000-00000000fab1';
const BREAK_GLASS = 'b9000000-0000-4000-8000-0000000000b1';

describe('@MfaBot status end to end (bot over HTTP, simulator over HTTP, fake Bot Connector)', () => {
  let bot: RunningBot;
  let connector: FakeConnector;
  const logLines: string[] = [];
  let opts: ActivityOptions;

  before(async () => {
    connector = await startFakeConnector();
    bot = await startMfaBot(
      {
        PORT: '0', MFABOT_STORAGE: 'memory',
        SIM_PORT: '0',
        MFABOT_TENANT_FILE: FIXTURE,
        MFABOT_BREAK_GLASS: BREAK_GLASS,
        MFABOT_APPROVERS: 'a1000000-0000-4000-8000-000000000001',
        LOG_LEVEL: 'info',
      },
      { logDestination: new Writable({ write(chunk, _e, cb) { logLines.push(String(chunk)); cb(); } }) },
    );
    opts = { serviceUrl: connector.url, tenantId: TENANT };
  });

  after(async () => {
    await bot?.close();
    await connector?.close();
  });

  async function statusCardFor(activity: Record<string, unknown> & { conversation: { id: string } }) {
    const res = await post(bot.url, activity);
    assert.ok(res.status >= 200 && res.status < 300, `HTTP ${res.status}`);
    const reply = await connector.waitFor((a) => a.conversationId === activity.conversation.id && attachedCard(a.body) !== undefined);
    return { reply, card: attachedCard(reply.body) as Record<string, unknown> };
  }

  it('answers a channel @mention "status" with a card carrying the tenant\'s real numbers and names', async () => {
    const activity = mentionMessage('status', opts);
    const { reply, card } = await statusCardFor(activity);

    assert.equal(reply.replyToId, activity.id, 'replies in the thread of the message');
    assert.equal(card.type, 'AdaptiveCard');
    assert.equal(card.version, '1.5');
    const text = cardText(card);
    assert.match(text, /3 of 7 admins are registered for MFA/);
    for (const name of ['Bob Brown', 'Carol Chen', 'Gina Garcia', 'Dave Diaz']) assert.ok(text.includes(name), `lists ${name}`);
    for (const name of ['Alice Ahmed', 'Erin Evans', 'Frank Fischer']) {
      assert.ok(!new RegExp(`${name}[^\\n]*@`).test(text.split('Not registered')[1] ?? ''), `${name} is not listed as unregistered`);
    }
    assert.match(text, /Admins: MFA or compliant device/, 'names the policy that leaves a gap');
    assert.match(text, /compliant device/i, 'says why in plain words');
    assert.match(text, /4\.29/, 'shows the AdminMFAV2 points');
  });

  it('offers Refresh, Create policy and a nudge picker of the unregistered admins', async () => {
    const { card } = await statusCardFor(mentionMessage('status', opts));
    const verbs = cardActions(card).map((a) => a.verb);
    assert.ok(verbs.includes('status.refresh'));
    assert.ok(verbs.includes('policy.create'), 'P2, security defaults off, not covered: creation is offered');
    assert.ok(verbs.includes('nudge.send'));
    const picker = findById(card, 'admins');
    assert.ok(picker, 'has the admins picker');
    assert.equal(picker.isMultiSelect, true);
    const values = (picker.choices as { value: string }[]).map((c) => c.value);
    assert.ok(values.includes('a1000000-0000-4000-8000-000000000002'), 'Bob (eligible, unregistered) can be nudged');
    assert.ok(!values.includes('a1000000-0000-4000-8000-000000000001'), 'Alice (registered) is not offered');
  });

  it('answers "status" in a 1:1 chat without a mention', async () => {
    const { card } = await statusCardFor(message('status', opts));
    assert.match(cardText(card), /3 of 7 admins are registered for MFA/);
  });

  it('answers help and unknown commands with the help card', async () => {
    const help = await statusCardFor(mentionMessage('help', opts));
    assert.match(cardText(help.card), /status/);
    const unknown = await statusCardFor(mentionMessage('make me a sandwich', opts));
    assert.match(cardText(unknown.card), /status/);
    assert.match(cardText(unknown.card), /sandwich/, 'says which command it did not understand');
  });

  it('Refresh answers the invoke with a fresh status card in the HTTP response', async () => {
    const res = await post(bot.url, cardAction('status.refresh', {}, opts));
    assert.equal(res.status, 200);
    const body = res.body as { statusCode: number; type: string; value: Record<string, unknown> };
    assert.equal(body.statusCode, 200);
    assert.equal(body.type, 'application/vnd.microsoft.card.adaptive');
    assert.match(cardText(body.value), /3 of 7 admins are registered for MFA/);
  });

  it('re-reads the tenant on Refresh: a registration in the simulator shows up', async () => {
    const sim = bot.simulator;
    assert.ok(sim);
    const res = await fetch(`${sim.url}/_sim/users/a1000000-0000-4000-8000-000000000002/register`, { method: 'POST' });
    assert.ok(res.ok);
    const refreshed = await post(bot.url, cardAction('status.refresh', {}, opts));
    const body = refreshed.body as { value: Record<string, unknown> };
    assert.match(cardText(body.value), /4 of 7 admins are registered for MFA/);
  });

  it('ignores activities from another tenant without revealing anything', async () => {
    const stranger = mentionMessage('status', { ...opts, tenantId: '99999999-9999-4999-8999-999999999999' });
    const before = connector.sent.length;
    const res = await post(bot.url, stranger);
    assert.ok(res.status < 500);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(connector.sent.filter((a) => a.conversationId === stranger.conversation.id).length, 0);
    assert.ok(connector.sent.length >= before);
    assert.ok(logLines.some((l) => l.includes('refused activity from another tenant')));
  });

  it('logs every Graph call as JSON with the activity, the conversation and Graph\'s request-id', async () => {
    const activity = mentionMessage('status', opts);
    await post(bot.url, cardAction('status.refresh', {}, { ...opts, conversationId: activity.conversation.id }));
    const lines = logLines.map((l) => JSON.parse(l) as { msg?: string; activityId?: string; conversationId?: string; graph?: { requestId?: string; path?: string } });
    const graphLines = lines.filter((l) => l.msg === 'graph request' && l.conversationId === activity.conversation.id);
    assert.ok(graphLines.length > 0, 'Graph calls of that turn were logged');
    for (const l of graphLines) {
      assert.match(l.graph?.requestId ?? '', /^[0-9a-f-]{36}$/, `request-id of ${l.graph?.path}`);
      assert.ok(l.activityId, 'with the activity id');
    }
  });

  it('answers an Action.Execute with an unknown verb with a clear card, not an error', async () => {
    const res = await post(bot.url, cardAction('policy.delete-everything', { roles: ['x'] }, opts));
    assert.equal(res.status, 200);
    const body = res.body as { type: string; value: unknown };
    assert.equal(body.type, 'application/vnd.microsoft.card.adaptive');
    assert.match(cardText(body.value), /not recognised/);
  });
});

describe('health endpoints', () => {
  it('answers /healthz, and /readyz only while Graph answers', async () => {
    const bot = await startMfaBot({ PORT: '0', MFABOT_STORAGE: 'memory', SIM_PORT: '0', MFABOT_TENANT_FILE: FIXTURE, LOG_LEVEL: 'silent' });
    try {
      assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
      const ready = await fetch(`${bot.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', checks: { storage: 'ok', graph: 'ok' } });
    } finally {
      await bot.close();
    }
    const down = await startMfaBot({ PORT: '0', MFABOT_STORAGE: 'memory', MFABOT_GRAPH_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent', MFABOT_GRAPH_MAX_RETRIES: '0' });
    try {
      const ready = await fetch(`${down.url}/readyz`);
      assert.equal(ready.status, 503);
    } finally {
      await down.close();
    }
  });

  it('tells anyone who asks /readyz only which check failed, never the error text (paths, hosts, permissions)', async () => {
    const notADirectory = path.join(mkdtempSync(path.join(tmpdir(), 'mfabot-ready-')), 'file');
    writeFileSync(notADirectory, 'x');
    const lines: string[] = [];
    const down = await startMfaBot(
      { PORT: '0', MFABOT_DATA_DIR: path.join(notADirectory, 'data'), MFABOT_GRAPH_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'warn', MFABOT_GRAPH_MAX_RETRIES: '0' },
      { logDestination: new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } }) },
    );
    try {
      const ready = await fetch(`${down.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'not ready', checks: { storage: 'failing', graph: 'failing' } });
      assert.ok(lines.some((l) => l.includes(notADirectory)), 'the details are in the log, for the operator');
    } finally {
      await down.close();
    }
  });
});

/**
 * Makes a directory read-only for this process, even as root (where permissions are not checked but the
 * immutable attribute is); null where neither works (a file system without attributes).
 */
function makeReadOnly(dir: string): (() => void) | null {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
}

describe('readiness proves storage can be written', () => {
  it('says storage is failing while the data directory is read-only, and ok again once it is writable', async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'mfabot-readonly-'));
    const bot = await startMfaBot({ PORT: '0', SIM_PORT: '0', MFABOT_STORAGE: 'file', MFABOT_DATA_DIR: dir, MFABOT_TENANT_FILE: FIXTURE, LOG_LEVEL: 'silent' });
    try {
      assert.equal((await fetch(`${bot.url}/readyz`)).status, 200);
      const restore = makeReadOnly(dir);
      if (!restore) this.skip();
      try {
        const ready = await fetch(`${bot.url}/readyz`);
        assert.equal(ready.status, 503);
        assert.deepEqual(await ready.json(), { status: 'not ready', checks: { storage: 'failing', graph: 'ok' } });
      } finally {
        restore();
      }
      assert.equal((await fetch(`${bot.url}/readyz`)).status, 200);
    } finally {
      await bot.close();
    }
  });
});

describe('clients without Universal Actions', () => {
  it('answers the Action.Submit fallback of Refresh with a status card, not the help card', async () => {
    const connector = await startFakeConnector();
    const bot = await startMfaBot({ PORT: '0', SIM_PORT: '0', MFABOT_STORAGE: 'memory', MFABOT_TENANT_FILE: FIXTURE, LOG_LEVEL: 'silent' });
    try {
      const submit = { ...message('', { serviceUrl: connector.url, tenantId: TENANT }), text: undefined, value: { verb: 'status.refresh' } };
      const res = await post(bot.url, submit);
      assert.ok(res.status < 300);
      const reply = await connector.waitFor((a) => a.conversationId === submit.conversation.id && attachedCard(a.body) !== undefined);
      assert.match(cardText(attachedCard(reply.body)), /3 of 7 admins are registered for MFA/);
    } finally {
      await bot.close();
      await connector.close();
    }
  });
});
