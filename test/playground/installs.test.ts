import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPlayground, type Playground } from '../../src/playground';
import { personalConversationId, type TenantView } from '../../src/playground/protocol';
import { DEMO_APPROVER_IDS, DEMO_TEAMS_APP_ID, demoTenant } from '../../src/sim/demo';
import { startSimulator, type Simulator } from '../../src/sim/server';

/** A stand-in for the bot: records every activity it is sent and accepts it. */
async function startRecordingBot(): Promise<{ url: string; activities: Record<string, unknown>[]; close(): Promise<void> }> {
  const activities: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    req.on('end', () => {
      activities.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    activities,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe('playground: Teams\' install notifications when MfaBot gets installed for a user', () => {
  let simulator: Simulator;
  let bot: Awaited<ReturnType<typeof startRecordingBot>>;
  let playground: Playground;
  let tenantId: string;

  const createConversation = async (memberId: string) => {
    const res = await fetch(`${playground.connectorUrl}v3/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ isGroup: false, members: [{ id: memberId }], channelData: { tenant: { id: tenantId } } }),
    });
    return { status: res.status, body: (await res.json()) as { id?: string } };
  };
  /** What the bot does before it messages an admin it has no chat with (docs/graph-notes.md, "Teams: proactive 1:1 messages"). */
  const installThroughGraph = async (userId: string) => {
    const res = await fetch(`${simulator.graphUrl}/users/${userId}/teamwork/installedApps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test' },
      body: JSON.stringify({ 'teamsApp@odata.bind': `${simulator.graphUrl}/appCatalogs/teamsApps/${DEMO_TEAMS_APP_ID}` }),
    });
    assert.equal(res.status, 201);
  };
  const tenant = async () => (await (await fetch(`${playground.url}api/tenant`)).json()) as TenantView;

  beforeEach(async () => {
    simulator = await startSimulator({ tenant: demoTenant() });
    tenantId = simulator.state.organization.id;
    bot = await startRecordingBot();
    playground = await startPlayground({ botUrl: bot.url, simulator, tenantId, approverIds: DEMO_APPROVER_IDS });
  });

  afterEach(async () => {
    await playground?.close();
    await bot?.close();
    await simulator?.close();
  });

  it('after a Graph install, tells the bot (conversationUpdate adding it, then installationUpdate "add") before the bot\'s createConversation is answered, once', async () => {
    const admin = (await tenant()).users.find((u) => u.isAdmin && !u.botInstalled);
    assert.ok(admin);
    assert.equal((await createConversation(admin.id)).status, 403, 'not installed yet: the Entra object id cannot address them');

    await installThroughGraph(admin.id);
    const created = await createConversation(admin.id);
    assert.equal(created.status, 201);
    assert.equal(created.body.id, personalConversationId(admin.id));
    assert.deepEqual(bot.activities.map((a) => [a.type, a.action ?? null]), [['conversationUpdate', null], ['installationUpdate', 'add']]);
    for (const a of bot.activities) {
      assert.deepEqual(a.conversation, { id: personalConversationId(admin.id), conversationType: 'personal', tenantId });
      assert.deepEqual(a.from, { id: admin.mri, name: admin.displayName, aadObjectId: admin.id });
      assert.equal(a.serviceUrl, playground.connectorUrl);
    }
    assert.deepEqual(bot.activities[0]?.membersAdded, [{ id: (bot.activities[0]?.recipient as { id: string }).id }]);

    assert.equal((await createConversation(admin.id)).status, 201);
    assert.equal(bot.activities.length, 2, 'an installation is announced once');
    assert.equal((await tenant()).users.find((u) => u.id === admin.id)?.botInstalled, true, 'the side panel sees it');
  });

  it('does not announce installations that predate the playground (the demo approvers have MfaBot already)', async () => {
    const approver = (await tenant()).users.find((u) => u.isApprover);
    assert.ok(approver?.botInstalled);
    assert.equal((await createConversation(approver.id)).status, 201);
    assert.deepEqual(bot.activities, []);
  });

  it('notices an installation on any read of the tenant, not only when the bot opens the chat', async () => {
    const admin = (await tenant()).users.find((u) => u.isAdmin && !u.botInstalled);
    assert.ok(admin);
    await installThroughGraph(admin.id);
    await tenant();
    // The side panel's read starts the announcement; the bot's next createConversation waits for it.
    assert.equal((await createConversation(admin.id)).status, 201);
    assert.deepEqual(bot.activities.map((a) => a.type), ['conversationUpdate', 'installationUpdate']);
  });
});
