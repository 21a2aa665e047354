import assert from 'node:assert/strict';
import { card, execute, text } from '../../src/cards/elements';
import { VERBS } from '../../src/cards/verbs';
import type { PlaygroundConfig, TenantUser } from '../../src/playground/protocol';
import { PlaygroundPage } from './playgroundPage';
import { cast, launchBrowser, requireChromium, startStack, type Browser, type Stack } from './support';

/** A card as a bot would send it, with a marker text to find it by. */
function markedCard(marker: string, refreshUserIds?: string[]) {
  const c = card([text(marker)], [execute(VERBS.statusRefresh, 'Refresh')]);
  if (refreshUserIds) c.refresh = { action: execute(VERBS.statusRefresh, 'Refresh'), userIds: refreshUserIds };
  return c;
}

const attachment = (content: unknown) => ({ contentType: 'application/vnd.microsoft.card.adaptive', content });

describe('the playground as Teams (Chromium)', function () {
  this.timeout(30_000);
  let stack: Stack;
  let browser: Browser;
  let ui: PlaygroundPage;
  let config: PlaygroundConfig;
  let approver: TenantUser;
  let nonApprover: TenantUser;
  let admin: TenantUser;

  /** Calls the playground's Bot Connector as the bot does. */
  const connector = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${stack.playground.connectorUrl}${path}`, {
      method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const channel = () => encodeURIComponent(config.channel.conversationId);

  before(async function () {
    requireChromium(this);
    stack = await startStack();
    config = (await (await fetch(`${stack.playground.url}api/config`)).json()) as PlaygroundConfig;
    ({ approver, nonApprover } = cast(await stack.tenant()));
    const firstAdmin = cast(await stack.tenant()).unregisteredAdmins[0];
    assert.ok(firstAdmin);
    admin = firstAdmin;
    browser = await launchBrowser();
    ui = await PlaygroundPage.open(browser, stack.playground.url, nonApprover.id);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('offers approvers, admins and everyone else in the "you are" picker, starting with the user given in ?as=', async () => {
    assert.equal(await ui.currentUser(), nonApprover.id);
    const groups = await ui.page.locator('[data-testid="you-are"] optgroup').evaluateAll((els) => els.map((e) => e.getAttribute('label')));
    assert.deepEqual(groups, ['Approvers', 'Admins', 'Others (not approvers)']);
    const approverOption = ui.page.locator(`[data-testid="you-are"] optgroup[label="Approvers"] option[value="${approver.id}"]`);
    assert.equal(await approverOption.count(), 1);
  });

  it('does not hand a channel message without @MfaBot to the bot, as Teams does not, and says how to mention it', async () => {
    await ui.openChannel();
    const answer = await ui.say('status please');
    assert.equal(answer.status, 204);
    await ui.page.locator('[data-testid="notice"]').filter({ hasText: '@MfaBot status' }).waitFor();
    assert.equal(await ui.messages().filter({ hasText: 'status please' }).count(), 1, 'the message is in the channel');
  });

  it('hands "help" typed in the 1:1 chat to the bot without a mention, and shows its help card there', async () => {
    await ui.openChat();
    await ui.say('help');
    await ui.botCard('MfaBot help');
    assert.equal(await ui.page.locator('[data-testid="conversation-title"]').textContent(), 'MfaBot');
  });

  it('turns a 1:1 conversation the bot opens (POST /v3/conversations) into that user\'s chat, with an unread badge', async () => {
    const created = await connector('POST', 'v3/conversations', {
      isGroup: false,
      bot: { id: config.bot.id, name: config.bot.name },
      members: [{ id: admin.mri }],
      channelData: { tenant: { id: config.tenantId } },
    });
    assert.equal(created.status, 201);
    const again = await connector('POST', 'v3/conversations', { members: [{ id: admin.mri, aadObjectId: admin.id }], channelData: { tenant: { id: config.tenantId } } });
    assert.equal(again.body.id, created.body.id, 'one 1:1 conversation per user, as in Teams');
    const posted = await connector('POST', `v3/conversations/${encodeURIComponent(String(created.body.id))}/activities`, {
      type: 'message', attachments: [attachment(markedCard('Proactive hello'))],
    });
    assert.equal(posted.status, 201);

    await ui.openChannel();
    await ui.be(admin.id);
    await ui.page.locator('[data-testid="chat-unread"]:not([hidden])').filter({ hasText: '1' }).waitFor();
    await ui.openChat();
    await ui.botCard('Proactive hello');
    await ui.page.locator('[data-testid="chat-unread"][hidden]').waitFor({ state: 'attached' });

    await ui.be(nonApprover.id);
    assert.equal(await ui.botMessages().filter({ hasText: 'Proactive hello' }).count(), 0, 'nobody else sees that chat');
  });

  it('replaces a card in place when the bot updates it (PUT), and removes it when the bot deletes it', async () => {
    await ui.openChannel();
    const posted = await connector('POST', `v3/conversations/${channel()}/activities`, { type: 'message', attachments: [attachment(markedCard('Version one'))] });
    const id = String(posted.body.id);
    const message = await ui.botCard('Version one');
    assert.equal(await message.getAttribute('data-message-id'), id);

    const updated = await connector('PUT', `v3/conversations/${channel()}/activities/${id}`, { type: 'message', id, attachments: [attachment(markedCard('Version two'))] });
    assert.equal(updated.status, 200);
    await message.locator('[data-testid="card"]').filter({ hasText: 'Version two' }).waitFor();
    assert.equal(await message.getAttribute('data-revision'), '1');
    assert.equal(await ui.messages().filter({ hasText: 'Version one' }).count(), 0);

    assert.equal((await connector('DELETE', `v3/conversations/${channel()}/activities/${id}`)).status, 200);
    await message.waitFor({ state: 'detached' });
  });

  it('refreshes a card automatically (trigger "automatic") for the users its refresh.userIds lists, and for nobody else', async () => {
    await ui.be(nonApprover.id);
    await ui.openChannel();
    const invokes: string[] = [];
    ui.page.on('request', (r) => {
      if (r.url().endsWith('/api/activities') && r.postDataJSON()?.value?.trigger === 'automatic') invokes.push(r.postDataJSON().from.aadObjectId);
    });
    await connector('POST', `v3/conversations/${channel()}/activities`, { type: 'message', attachments: [attachment(markedCard('Only for the approver', [approver.mri]))] });
    const message = await ui.botCard('Only for the approver');
    assert.equal(await message.locator('[data-testid="card"]').getAttribute('data-personal'), 'false');

    await ui.be(approver.id);
    // The refresh verb here is status.refresh: the bot answers with the status card, for the approver only.
    await message.locator('[data-testid="card"][data-personal="true"]').filter({ hasText: 'admins are registered for MFA' }).waitFor();
    assert.deepEqual(invokes, [approver.id]);

    await ui.be(nonApprover.id);
    await message.locator('[data-testid="card"][data-personal="false"]').filter({ hasText: 'Only for the approver' }).waitFor();
    assert.deepEqual(invokes, [approver.id], 'no refresh for a user the card does not list');
  });

  it('shows the simulated tenant: every CA policy with its state, and who of the admins is registered', async () => {
    const tenant = await stack.tenant();
    assert.equal(await ui.policies().count(), tenant.policies.length);
    const states = await ui.policies().evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    assert.deepEqual(states, tenant.policies.map((p) => p.state));
    assert.equal(await ui.page.locator('[data-testid="admin"]').count(), tenant.admins.length);
    assert.equal(await ui.page.locator('[data-testid="registered-summary"]').textContent(), `${tenant.totals.registered} of ${tenant.totals.admins} admins registered`);
    assert.equal(await ui.page.locator('[data-testid="admin"][data-registered="registered"] [data-testid="register"]').count(), 0, 'no Register button for the registered');
    assert.equal(await ui.admin(admin.id).getAttribute('data-registered'), 'unregistered');
  });

  it('draws the status card\'s Chart.Donut as SVG, with one slice per non-zero value and a legend of every value', async () => {
    await ui.openChannel();
    await ui.say('@MfaBot status');
    const status = await ui.botCard('admins are registered for MFA');
    const chart = status.locator('.mfabot-chart[data-chart-type="Chart.Donut"]').first();
    await chart.waitFor();
    const legend = await chart.locator('.mfabot-chart-legend li').allTextContents();
    assert.deepEqual(legend.map((l) => l.split(':')[0]), ['Registered', 'Not registered', 'Unknown']);
    const slices = await chart.locator('svg [data-legend]').count();
    assert.equal(slices, legend.filter((l) => !l.endsWith(': 0')).length);
    assert.match(await chart.locator('svg').getAttribute('aria-label') ?? '', /^Admin MFA registration: Registered \d+/);
  });
});
