import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { startMfaBot, type RunningBot } from '../../src/index';
import { loadFixtureFile } from '../../src/sim/fixture';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, message, post } from '../support/activities';
import { attachedCard } from '../support/cards';
import { LOGIN_HOST, jwt, localNetwork, startIdentityProvider, type IdentityProvider } from '../support/identityProvider';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const TENANT = 'f1b2c3d4-0000-4000-8000-00000000fab1';
const APP_ID = '5a7c1f4e-0000-4000-8000-00000000a9b1';
const APP_SECRET = 'bot-secret-value-that-must-never-be-logged';
describe('Bot Framework JWT authentication when an app id is configured', () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let idp: IdentityProvider;
  let sim: Simulator;
  let connector: FakeConnector;
  let bot: RunningBot;
  const logs: string[] = [];

  before(async () => {
    idp = await startIdentityProvider(APP_ID, APP_SECRET);
    sim = await startSimulator({ tenant: loadFixtureFile(FIXTURE), port: 0, host: '127.0.0.1' });
    connector = await startFakeConnector();
    bot = await startMfaBot(
      {
        PORT: '0', MFABOT_STORAGE: 'memory',
        HOST: '127.0.0.1',
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: APP_SECRET,
        MicrosoftAppTenantId: TENANT,
        MFABOT_GRAPH_URL: sim.url,
        LOG_LEVEL: 'debug',
        ...idp.endpointSettings(),
      },
      {
        logDestination: new Writable({ write(chunk, _e, cb) { logs.push(String(chunk)); cb(); } }),
        botTokenNetwork: { knownAuthorities: [LOGIN_HOST], networkClient: localNetwork(idp.url) },
      },
    );
  });

  after(async () => {
    await bot?.close();
    await sim?.close();
    await connector?.close();
    await idp?.close();
  });

  function invoke() {
    return cardAction('status.refresh', {}, { serviceUrl: connector.url, tenantId: TENANT });
  }

  const token = (overrides: Record<string, unknown> = {}) => idp.channelToken(connector.url, overrides);

  const cases: [string, () => Record<string, string>][] = [
    ['no Authorization header', () => ({})],
    ['a malformed token', () => ({ authorization: 'Bearer not-a-jwt' })],
    ['a Basic scheme', () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })],
    ['an expired token', () => ({ authorization: `Bearer ${token({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200, nbf: Math.floor(Date.now() / 1000) - 7200 })}` })],
    ['a token for another bot (wrong audience)', () => ({ authorization: `Bearer ${token({ aud: randomUUID() })}` })],
    ['a token from another issuer', () => ({ authorization: `Bearer ${token({ iss: 'https://evil.example' })}` })],
    ['a token signed with another key under a known key id', () => ({ authorization: `Bearer ${jwt(other.privateKey, idp.kid, idp.channelClaims(connector.url))}` })],
    ['a token with an unknown key id', () => ({ authorization: `Bearer ${idp.signWithChannelKey(idp.channelClaims(connector.url), 'unknown-kid')}` })],
    ['a token for another serviceUrl', () => ({ authorization: `Bearer ${token({ serviceurl: 'https://smba.example/teams/' })}` })],
  ];

  for (const [what, headers] of cases) {
    it(`answers 401 to ${what}, and does nothing`, async () => {
      const before = sim.requests().length;
      const res = await post(bot.url, invoke(), headers());
      assert.equal(res.status, 401);
      assert.equal(sim.requests().length, before, 'no Graph call was made');
    });
  }

  it('accepts a valid channel token and answers the invoke', async () => {
    const res = await post(bot.url, invoke(), { authorization: `Bearer ${token()}` });
    assert.equal(res.status, 200);
    const body = res.body as { type: string; value: unknown };
    assert.equal(body.type, 'application/vnd.microsoft.card.adaptive');
    assert.match(JSON.stringify(body.value), /3 of 7 admins are registered for MFA/);
  });

  it('refuses a signed activity from a channel other than Teams (Direct Line, Web Chat), whose tenant and user fields are the client\'s word', async () => {
    const before = sim.requests().length;
    const sent = connector.sent.length;
    // A Direct Line client chooses channelData (so the tenant) and the sender; only Teams vouches for them.
    const activity = { ...cardAction('status.refresh', {}, { serviceUrl: connector.url, tenantId: TENANT, fromAadObjectId: randomUUID() }), channelId: 'directline' };
    const res = await post(bot.url, activity, { authorization: `Bearer ${idp.unendorsedToken(connector.url)}` });
    assert.equal(res.status, 403, JSON.stringify(res.body).slice(0, 200));
    assert.doesNotMatch(JSON.stringify(res.body), /admins are registered/, 'no status card: the tenant\'s admins stay private');
    assert.equal(sim.requests().length, before, 'no Graph call was made');
    const chat = { ...message('status', { serviceUrl: connector.url, tenantId: TENANT, conversationType: 'personal' }), channelId: 'webchat' };
    assert.equal((await post(bot.url, chat, { authorization: `Bearer ${idp.unendorsedToken(connector.url)}` })).status, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(connector.sent.length, sent, 'no reply in the Web Chat conversation');
    assert.equal(sim.requests().length, before);
  });

  it('replies to the connector with a Bot Connector token from the identity provider', async () => {
    const activity = message('status', { serviceUrl: connector.url, tenantId: TENANT, conversationType: 'personal' });
    const res = await post(bot.url, activity, { authorization: `Bearer ${token()}` });
    assert.equal(res.status, 200);
    const reply = await connector.waitFor((a) => a.conversationId === activity.conversation.id && attachedCard(a.body) !== undefined);
    assert.ok(idp.issued.length > 0, 'the bot asked the identity provider for a token');
    assert.equal(reply.authorization, `Bearer ${idp.issued[idp.issued.length - 1]}`);
    const payload = JSON.parse(Buffer.from((idp.issued[0] ?? '').split('.')[1] ?? '', 'base64url').toString()) as { aud: string; scp: string };
    assert.equal(payload.aud, 'https://api.botframework.com');
    assert.equal(payload.scp, 'https://api.botframework.com/.default');
  });

  it('refuses to run without credentials anywhere but loopback', async () => {
    await assert.rejects(startMfaBot({ HOST: '0.0.0.0', PORT: '0', MFABOT_STORAGE: 'memory', SIM_PORT: '0' }), /loopback/);
  });

  it('never logs the app secret or a bearer token', () => {
    const all = logs.join('');
    assert.ok(all.length > 0);
    assert.ok(!all.includes(APP_SECRET), 'the secret appears in the logs');
    assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./.test(all), 'a JWT appears in the logs');
  });
});
