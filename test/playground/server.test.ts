import assert from 'node:assert/strict';
import { startPlayground } from '../../src/playground';
import { personalConversationId, type PlaygroundConfig, type TenantUser } from '../../src/playground/protocol';
import { tenantView } from '../../src/playground/tenant';
import { messageActivity } from '../../src/playground/web/activities';
import { ROLE, ROLE_LISTS } from '../../src/domain/roles';
import { buildStatusReport } from '../../src/domain/status';
import { createGraphClient } from '../../src/graph/client';
import { GraphTenantGateway } from '../../src/graph/gateway';
import { silentLogger } from '../../src/log';
import { startSimulator } from '../../src/sim/server';
import { DEMO_APPROVER_IDS, demoTenant } from '../../src/sim/demo';
import { cast, startStack, type Stack } from '../browser/support';

/** Reads Server-Sent Events from the playground until `count` events have arrived. */
async function readEvents(url: string, count: number, during: () => Promise<unknown>): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(`${url}events`);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  let acted = false;
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
    if (!acted && events.length > 0) {
      acted = true;
      await during();
    }
  }
  await reader.cancel();
  return events;
}

describe('playground server: the page, the relay to the bot and the Bot Connector', () => {
  let stack: Stack;
  let config: PlaygroundConfig;
  let approver: TenantUser;
  let nonApprover: TenantUser;
  let admin: TenantUser;

  const connector = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.playground.connectorUrl}${path}`, {
      method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const relayRaw = (activity: unknown) => fetch(`${stack.playground.url}api/activities`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity),
  });
  const channel = () => encodeURIComponent(config.channel.conversationId);

  before(async () => {
    stack = await startStack();
    config = (await (await fetch(`${stack.playground.url}api/config`)).json()) as PlaygroundConfig;
    const people = cast(await stack.tenant());
    ({ approver, nonApprover } = people);
    const first = people.unregisteredAdmins[0];
    assert.ok(first);
    admin = first;
  });

  after(async () => {
    await stack?.close();
  });

  it('refuses to start against a bot or a simulator that is not on loopback', async () => {
    const base = { tenantId: config.tenantId, approverIds: [] };
    await assert.rejects(startPlayground({ ...base, botUrl: 'https://mfabot.example.com', simulator: { url: stack.bot.simulator?.url ?? '' } }), /loopback/);
    await assert.rejects(startPlayground({ ...base, botUrl: stack.bot.url, simulator: { url: 'https://graph.microsoft.com' } }), /loopback/);
  });

  it('serves the page, its bundled script and its styles; every activity it sends names the playground as serviceUrl', async () => {
    const page = await fetch(stack.playground.url);
    assert.match(await page.text(), /<script src="\/app\.js"><\/script>/);
    assert.match(await (await fetch(`${stack.playground.url}app.js`)).text(), /mfabotGallery/);
    assert.match(await (await fetch(`${stack.playground.url}app.css`)).text(), /\.ac-pushButton/);
    assert.equal(config.serviceUrl, stack.playground.connectorUrl);
    assert.equal(config.tenantId, stack.bot.config.tenantId);
  });

  it('streams a snapshot first, then each message the bot posts', async () => {
    const events = await readEvents(stack.playground.url, 2, () =>
      connector('POST', `v3/conversations/${channel()}/activities`, { type: 'message', text: 'hello from the bot' }));
    assert.equal(events[0]?.event, 'snapshot');
    assert.equal(events[1]?.event, 'message');
    assert.equal((events[1]?.data as { message: { text: string; from: { role: string } } }).message.text, 'hello from the bot');
  });

  it('answers replies, updates and deletes like Teams\' connector, and 404 for what does not exist', async () => {
    const posted = await connector('POST', `v3/conversations/${channel()}/activities/some-root`, { type: 'message', text: 'reply' });
    assert.equal(posted.status, 201);
    assert.equal(typeof posted.body.id, 'string');
    const id = String(posted.body.id);
    assert.equal((await connector('PUT', `v3/conversations/${channel()}/activities/${id}`, { type: 'message', text: 'edited' })).status, 200);
    assert.equal((await connector('PUT', `v3/conversations/${channel()}/activities/nope`, { type: 'message' })).status, 404);
    assert.equal((await connector('DELETE', `v3/conversations/${channel()}/activities/${id}`)).status, 200);
    const unknown = await connector('POST', 'v3/conversations/19%3Anowhere/activities', { type: 'message', text: 'x' });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body.error as { code: string }).code, 'ConversationNotFound');
    assert.equal((await connector('POST', `v3/conversations/${channel()}/activities`, { type: 'typing' })).status, 200);
  });

  it('answers member look-ups (TeamsInfo.getMember) in the channel and its team, by Teams id or Entra object id', async () => {
    for (const conversation of [config.channel.conversationId, config.channel.teamId]) {
      for (const id of [approver.mri, approver.id]) {
        const member = await connector('GET', `v3/conversations/${encodeURIComponent(conversation)}/members/${encodeURIComponent(id)}`);
        assert.equal(member.status, 200);
        assert.deepEqual([member.body.id, member.body.aadObjectId, member.body.name], [approver.mri, approver.id, approver.displayName]);
      }
    }
    assert.equal((await connector('GET', `v3/conversations/${channel()}/members/29%3Anobody`)).status, 404);
    const team = await connector('GET', `v3/teams/${encodeURIComponent(config.channel.teamId)}/conversations`);
    assert.deepEqual(team.body.conversations, [{ id: config.channel.conversationId, name: config.channel.name }]);
  });

  it('opens one 1:1 conversation per user for the bot, and refuses unknown users and other tenants', async () => {
    const first = await connector('POST', 'v3/conversations', { members: [{ id: admin.mri }], channelData: { tenant: { id: config.tenantId } } });
    assert.equal(first.status, 201);
    assert.equal(first.body.id, personalConversationId(admin.id));
    const again = await connector('POST', 'v3/conversations', { members: [{ id: admin.mri }], activity: { type: 'message', text: 'hi' } });
    assert.equal(again.body.id, first.body.id);
    assert.equal(typeof again.body.activityId, 'string');
    const members = await connector('GET', `v3/conversations/${encodeURIComponent(String(first.body.id))}/members`);
    assert.deepEqual((members.body as unknown as { aadObjectId: string }[]).map((m) => m.aadObjectId), [admin.id]);

    assert.equal((await connector('POST', 'v3/conversations', { members: [{ id: '29:00000000-0000-4000-8000-000000000000' }] })).status, 404);
    assert.equal((await connector('POST', 'v3/conversations', { members: [{ id: admin.mri }], channelData: { tenant: { id: '11111111-1111-4111-8111-111111111111' } } })).status, 403);
    assert.equal((await connector('POST', 'v3/conversations', { members: [] })).status, 400);
  });

  it('addresses a user by Entra object id only once MfaBot is installed for them, and never by aadObjectId alone or UPN, as Teams', async () => {
    const notInstalled = await connector('POST', 'v3/conversations', { members: [{ id: admin.id }], channelData: { tenant: { id: config.tenantId } } });
    assert.equal(notInstalled.status, 403);
    assert.equal((notInstalled.body.error as { code: string }).code, 'BotNotInConversationRoster');
    assert.ok(approver.botInstalled, 'the demo tenant has MfaBot installed for its approvers');
    const installed = await connector('POST', 'v3/conversations', { members: [{ id: approver.id }], channelData: { tenant: { id: config.tenantId } } });
    assert.equal(installed.status, 201);
    assert.equal(installed.body.id, personalConversationId(approver.id));
    assert.equal((await connector('POST', 'v3/conversations', { members: [{ id: 'whatever', aadObjectId: approver.id }] })).status, 400);
    assert.equal((await connector('POST', 'v3/conversations', { members: [{ id: approver.userPrincipalName }] })).status, 400);
  });

  it('starts a thread in the channel for the bot (isGroup with channelData.channel), and replies in that thread land in the channel', async () => {
    const thread = await connector('POST', 'v3/conversations', {
      isGroup: true, channelData: { channel: { id: config.channel.conversationId }, tenant: { id: config.tenantId } }, activity: { type: 'message', text: 'thread root' },
    });
    assert.equal(thread.status, 201);
    assert.equal(thread.body.id, `${config.channel.conversationId};messageid=${String(thread.body.activityId)}`);
    const reply = await connector('POST', `v3/conversations/${encodeURIComponent(String(thread.body.id))}/activities`, { type: 'message', text: 'in the thread' });
    assert.equal(reply.status, 201);
  });

  it('relays only activities a Teams client of this tenant could send: its users, the channel and their own 1:1 chat', async () => {
    const inChannel = { conversationId: config.channel.conversationId, kind: 'channel' as const };
    const good = messageActivity(config, nonApprover, inChannel, '@MfaBot help');
    assert.equal(((await (await relayRaw(good)).json()) as { status: number }).status, 200);

    const othersChat = messageActivity(config, nonApprover, { conversationId: personalConversationId(approver.id), kind: 'personal' }, 'status');
    assert.equal((await relayRaw(othersChat)).status, 403);
    const stranger = { ...good, from: { id: '29:x', aadObjectId: '00000000-0000-4000-8000-000000000000' } };
    assert.equal((await relayRaw(stranger)).status, 400);
    assert.equal((await relayRaw({ ...good, type: 'conversationUpdate' })).status, 400);
    assert.equal((await relayRaw('not json at all')).status, 400);
  });

  it('sends the bot the activity with the playground as serviceUrl and the user as Teams names them', async () => {
    const sent = messageActivity(config, nonApprover, { conversationId: personalConversationId(nonApprover.id), kind: 'personal' }, 'help');
    const answer = (await (await relayRaw({ ...sent, serviceUrl: 'https://smba.trafficmanager.net/evil/', from: { id: 'spoofed', aadObjectId: nonApprover.id } })).json()) as { status: number };
    assert.equal(answer.status, 200);
    const chat = await readEvents(stack.playground.url, 1, async () => undefined);
    const conversations = (chat[0]?.data as { conversations: { id: string; messages: { from: { id: string; role: string } }[] }[] }).conversations;
    const mine = conversations.find((c) => c.id === personalConversationId(nonApprover.id));
    assert.ok(mine, 'the user\'s 1:1 chat exists');
    assert.deepEqual(mine.messages.map((m) => m.from.role), ['user', 'bot'], 'the bot answered through the playground\'s connector');
    assert.equal(mine.messages[0]?.from.id, nonApprover.mri);
  });
});

describe('playground tenant view', () => {
  it('tells approvers, admins (by the bot\'s own rule) and registration apart in the demo tenant', () => {
    const view = tenantView(demoTenant(), { roleIds: ROLE_LISTS.template ?? [], approverIds: DEMO_APPROVER_IDS });
    assert.deepEqual(view.totals, { admins: 30, registered: 23, unregistered: 6, unknown: 1 });
    assert.equal(view.admins.length, 30);
    assert.deepEqual(view.users.filter((u) => u.isAdmin).map((u) => u.id).sort(), view.admins.map((a) => a.id).sort(), 'every Contoso admin is an enabled member');
    assert.deepEqual(view.users.filter((u) => u.isApprover).map((u) => u.id).sort(), [...DEMO_APPROVER_IDS].sort());
    assert.ok(view.users.slice(0, 2).every((u) => u.isApprover), 'approvers first');
    assert.ok(view.users.every((u) => u.mri === `29:${u.id}`));
  });

  it('counts admins exactly as the status card does, guests and disabled accounts included', async () => {
    const tenant = demoTenant();
    const guest = { id: '9a9a9a9a-0000-4000-8000-00000000aaa1', userPrincipalName: 'partner_fabrikam.example#EXT#@contoso.example', displayName: 'Pat Partner', accountEnabled: true, userType: 'Guest' as const };
    const disabled = { id: '9a9a9a9a-0000-4000-8000-00000000aaa2', userPrincipalName: 'old.admin@contoso.example', displayName: 'Old Admin', accountEnabled: false };
    tenant.users.push(guest, disabled);
    for (const [i, u] of [guest, disabled].entries()) {
      tenant.roleAssignments.push({ id: `ra-extra-${i}`, principalId: u.id, roleDefinitionId: ROLE.globalAdministrator, directoryScopeId: '/' });
    }
    const view = tenantView(tenant, { roleIds: ROLE_LISTS.template ?? [], approverIds: DEMO_APPROVER_IDS });
    assert.ok(view.admins.some((a) => a.id === guest.id && a.guest), 'the guest admin is listed');
    assert.ok(view.admins.some((a) => a.id === disabled.id && a.accountEnabled === false), 'the disabled admin is listed');
    assert.ok(!view.users.some((u) => u.id === guest.id), 'guests are not offered as "you are"');

    // The same tenant through the simulator, the bot's Graph gateway and its domain code.
    const sim = await startSimulator({ tenant, port: 0 });
    try {
      const client = createGraphClient({ baseUrl: sim.url, credential: null, timeoutMs: 5_000, maxRetries: 0, logger: silentLogger() });
      const facts = await new GraphTenantGateway({ client, baseUrl: sim.url }).readTenant({ roleIds: ROLE_LISTS.template ?? [] });
      const card = buildStatusReport(facts, { roleIds: [...(ROLE_LISTS.template ?? [])], breakGlassUserIds: [], exclusionGroupId: null }, new Date());
      assert.deepEqual(view.totals, card.totals);
      assert.deepEqual(view.admins.map((a) => `${a.id}:${String(a.mfaRegistered)}`).sort(), card.admins.map((a) => `${a.id.toLowerCase()}:${String(a.mfaRegistered)}`).sort());
    } finally {
      await sim.close();
    }
  });

  it('counts the transitive members of the approver group as approvers', () => {
    const tenant = demoTenant();
    const group = tenant.groups.find((g) => g.members.some((m) => tenant.groups.some((inner) => inner.id === m)));
    assert.ok(group, 'the demo tenant has a nested group');
    const view = tenantView(tenant, { roleIds: ROLE_LISTS.template ?? [], approverIds: [], approverGroupId: group.id });
    const nested = tenant.groups.find((g) => group.members.includes(g.id));
    assert.ok(nested);
    const expected = new Set([...group.members, ...nested.members].filter((id) => tenant.users.some((u) => u.id === id)));
    assert.deepEqual(view.users.filter((u) => u.isApprover).map((u) => u.id).sort(), [...expected].sort());
  });
});
