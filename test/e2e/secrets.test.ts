import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger, routeConsole } from '../../src/log';
import { DEMO_APPROVER_IDS, DEMO_BREAK_GLASS_IDS, DEMO_EXCLUSION_GROUP_ID, DEMO_TEAMS_APP_EXTERNAL_ID, demoTenant } from '../../src/sim/demo';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, message, post, type ActivityOptions } from '../support/activities';
import { attachedCard } from '../support/cards';
import { startAzurite, type Azurite } from '../support/azurite';
import { killAll, startBotProcess, type BotProcess } from '../support/botProcess';
import { jwt, startIdentityProvider, type IdentityProvider } from '../support/identityProvider';
import { JOHANNA, MEGAN, TENANT } from './processHarness';

const APP_ID = '5a7c1f4e-0000-4000-8000-00000000a9b2';
const APP_SECRET = `bot~secret.${randomBytes(12).toString('base64url')}`;
const GRAPH_SECRET = `graph~secret.${randomBytes(12).toString('base64url')}`;
/** A storage account only this test knows: its key is a secret nobody published. */
const ACCOUNT = { name: 'mfabotsecrets', key: randomBytes(64).toString('base64') };
const ISAIAH = '99c3cece-3923-4842-9440-a25d2d5c9616';
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/;
const UNSCRUBBED_BEARER = /bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}/i;

describe('secrets never reach the logs (bot process with app credentials, a full session)', function () {
  this.timeout(30_000);
  let azurite: Azurite;
  let sim: Simulator;
  let connector: FakeConnector;
  let idp: IdentityProvider;
  let bot: BotProcess;
  let connectionString: string;
  const minted: string[] = [];

  before(async function () {
    this.timeout(40_000);
    [azurite, sim, connector, idp] = await Promise.all([
      startAzurite({ accounts: [ACCOUNT] }), startSimulator({ tenant: demoTenant() }), startFakeConnector(), startIdentityProvider(APP_ID, APP_SECRET),
    ]);
    connectionString = azurite.connectionString(ACCOUNT);
    bot = await startBotProcess({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'trace',
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: APP_SECRET,
      MicrosoftAppTenantId: TENANT,
      ...idp.endpointSettings(),
      MFABOT_TEST_IDP_URL: idp.url,
      MFABOT_GRAPH_URL: sim.url,
      MFABOT_GRAPH_CLIENT_ID: randomUUID(),
      MFABOT_GRAPH_CLIENT_SECRET: GRAPH_SECRET,
      MFABOT_STORAGE: 'blob',
      MFABOT_BLOB_CONNECTION_STRING: connectionString,
      MFABOT_BLOB_CONTAINER: `mfabot-${randomUUID().slice(0, 8)}`,
      MFABOT_APPROVERS: DEMO_APPROVER_IDS.join(','),
      MFABOT_BREAK_GLASS: DEMO_BREAK_GLASS_IDS.join(','),
      MFABOT_EXCLUSION_GROUP: DEMO_EXCLUSION_GROUP_ID,
      MFABOT_TEAMS_APP_ID: DEMO_TEAMS_APP_EXTERNAL_ID,
      MFABOT_GRAPH_MAX_RETRIES: '0',
    }, { entry: 'test/support/botMain.ts' });
  });

  after(async () => {
    await killAll();
    await Promise.all([azurite?.close(), sim?.close(), connector?.close(), idp?.close()]);
  });

  const channel = (): ActivityOptions => ({ serviceUrl: connector.url, tenantId: TENANT, conversationId: '19:secrets@thread.tacv2', fromAadObjectId: MEGAN, fromName: 'Megan Bowen' });
  const auth = (overrides: Record<string, unknown> = {}) => {
    const token = idp.channelToken(connector.url, overrides);
    minted.push(token);
    return { authorization: `Bearer ${token}` };
  };
  const invoke = async (verb: string, data: Record<string, unknown>) => {
    const res = await post(bot.url, cardAction(verb, data, channel()), auth());
    assert.equal(res.status, 200, `${verb}: ${JSON.stringify(res.body)}`);
    return JSON.stringify(res.body);
  };

  it('runs a session: status, a Graph 403 and 401, policy create, nudges with a connector 401, refused tokens, shutdown', async () => {
    // Status in a 1:1 chat: the reply goes out with a Bot Connector token from the identity provider.
    const hello = message('status', { serviceUrl: connector.url, tenantId: TENANT, fromAadObjectId: MEGAN, fromName: 'Megan Bowen' });
    assert.equal((await post(bot.url, hello, auth())).status, 200);
    const reply = await connector.waitFor((s) => s.conversationId === hello.conversation.id && attachedCard(s.body) !== undefined);
    assert.match(reply.authorization ?? '', /^Bearer eyJ/, 'the connector saw the outbound token');

    // Graph refuses: a missing permission (403) on a status read, an invalid token (401) on another.
    sim.inject({ pathPattern: '^/roleManagement/directory/roleEligibility', status: 403 });
    sim.inject({ pathPattern: '^/identity/conditionalAccess/policies', status: 401 });
    await invoke('status.refresh', {});
    const armed = (await (await fetch(`${sim.url}/_sim/faults`)).json()) as unknown[];
    assert.deepEqual(armed, [], 'Graph answered 403 and 401 (both faults were used, inside $batch)');

    assert.match(await invoke('policy.create', {}), /Created: Conditional Access policy/);

    // Nudges: one delivered, one refused by the connector with 401.
    connector.failNext(/^\/v3\/conversations$/, 401, 1);
    assert.match(await invoke('nudge.send', { admins: `${ISAIAH}` }), /failed/i);
    assert.match(await invoke('nudge.send', { admins: JOHANNA }), /Nudges: 1 sent/);
    await bot.waitForLog((l) => l.msg === 'nudge delivery failed');

    // Tokens the adapter refuses (botbuilder writes these with console.error).
    const refused = [
      {},
      { authorization: 'Bearer not-a-jwt' },
      auth({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200, nbf: Math.floor(Date.now() / 1000) - 7200 }),
      auth({ aud: randomUUID() }),
    ];
    for (const headers of refused) assert.equal((await post(bot.url, cardAction('status.refresh', {}, channel()), headers)).status, 401);

    assert.equal((await fetch(`${bot.url}/readyz`)).status, 200);
    assert.equal((await bot.stop('SIGTERM')).code, 0);
  });

  it('wrote neither the configured secrets nor any token to stdout or stderr', () => {
    const all = `${bot.stdout()}\n${bot.stderr()}`;
    const logged = new Set(bot.logs().map((l) => l.msg));
    for (const msg of ['message', 'card action', 'graph request', 'nudging admins', 'nudge delivery failed', 'stopped']) assert.ok(logged.has(msg), `the session logged "${msg}"`);
    assert.ok(idp.issued.length > 0 && minted.length > 0);
    const around = (m: RegExpExecArray | null) => (m ? all.slice(Math.max(0, m.index - 150), m.index + 150) : '');
    const secrets: [string, string][] = [
      ['MicrosoftAppPassword', APP_SECRET],
      ['MFABOT_GRAPH_CLIENT_SECRET', GRAPH_SECRET],
      ['the storage account key', ACCOUNT.key],
      ['MFABOT_BLOB_CONNECTION_STRING', connectionString],
      ...idp.issued.map((t, i): [string, string] => [`outbound token ${i}`, t]),
      ...minted.map((t, i): [string, string] => [`channel token ${i}`, t]),
    ];
    for (const [what, value] of secrets) {
      const at = all.indexOf(value);
      assert.ok(at < 0, `${what} appears in the output: …${all.slice(Math.max(0, at - 150), at)}[HERE]`);
    }
    assert.equal(around(JWT.exec(all)), '', 'a JWT appears in the output');
    assert.equal(around(UNSCRUBBED_BEARER.exec(all)), '', 'a bearer token appears in the output');
  });

  it('scrubs a library error printed with console.error: bearer header, bare JWT, and a secret that JSON escapes', () => {
    const secret = 'pa"ss\\word-with-quotes';
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', secrets: [secret], destination: new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }) });
    const token = jwt(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'k', { aud: 'x' });
    const restore = routeConsole(logger);
    try {
      const err = Object.assign(new Error(`send failed for ${secret}`), { request: { headers: { authorization: `Bearer ${token}` } }, body: token });
      console.error(err);
    } finally {
      restore();
    }
    const out = lines.join('');
    assert.match(out, /"source":"console"/);
    assert.match(out, /send failed for \[redacted\]/);
    assert.ok(!out.includes(token) && !JWT.test(out) && !UNSCRUBBED_BEARER.test(out), out);
    assert.ok(!out.includes(JSON.stringify(secret).slice(1, -1)), out);
  });

  it('sends botbuilder\'s console output through the JSON logger: stderr stays empty', () => {
    assert.equal(bot.stderr().trim(), '', 'stderr');
    const fromConsole = bot.logs().filter((l) => l.source === 'console');
    assert.ok(fromConsole.length > 0, 'botbuilder wrote auth failures, as JSON lines');
    for (const line of bot.stdout().split('\n').filter((l) => l.trim() !== '')) assert.ok(line.startsWith('{'), `not a JSON line: ${line.slice(0, 120)}`);
  });
});
