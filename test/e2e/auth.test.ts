import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { INetworkModule, NetworkResponse } from '@azure/msal-node';
import { startMfaBot, type RunningBot } from '../../src/index';
import { loadFixtureFile } from '../../src/sim/fixture';
import { startSimulator, type Simulator } from '../../src/sim/server';
import { startFakeConnector, type FakeConnector } from '../support/connector';
import { cardAction, message, post } from '../support/activities';
import { attachedCard } from '../support/cards';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fabrikam.json');
const TENANT = 'f1b2c3d4-0000-4000-8000-00000000fab1';
const APP_ID = '5a7c1f4e-0000-4000-8000-00000000a9b1';
const APP_SECRET = 'bot-secret-value-that-must-never-be-logged';
const ISSUER = 'https://api.botframework.com';
const LOGIN_HOST = 'login.local.test';
const privateKeyForOutbound = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

/** MSAL's network module, sending the local login host to the local identity provider. */
function localNetwork(idpUrl: string): INetworkModule {
  const route = (url: string) => url.replace(`https://${LOGIN_HOST}`, idpUrl);
  const send = async <T>(url: string, init: RequestInit): Promise<NetworkResponse<T>> => {
    const res = await fetch(route(url), init);
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => { headers[key] = value; });
    return { status: res.status, headers, body: (await res.json()) as T };
  };
  return {
    sendGetRequestAsync: (url, options) => send(url, { method: 'GET', headers: options?.headers }),
    sendPostRequestAsync: (url, options) => send(url, { method: 'POST', headers: options?.headers, body: options?.body }),
  };
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function jwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify(claims));
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${b64url(signature)}`;
}

/** A local OpenID metadata document and key set, as login.botframework.com serves them. */
async function startIdentityProvider(publicKey: KeyObject, kid: string, issued: string[], unendorsed?: { publicKey: KeyObject; kid: string }): Promise<{ url: string; server: Server }> {
  const jwk = publicKey.export({ format: 'jwk' });
  // Bot Framework's keys for Web Chat and Direct Line carry no endorsements (since 09/2023): botbuilder then checks no channel.
  const extra = unendorsed ? [{ ...unendorsed.publicKey.export({ format: 'jwk' }), kid: unendorsed.kid, use: 'sig', alg: 'RS256' }] : [];
  const server = createServer(async (req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/botframework.com/v2.0/.well-known/openid-configuration')) {
      // What MSAL reads for a known authority (the bot's outbound token).
      res.end(JSON.stringify({
        issuer: `https://${LOGIN_HOST}/botframework.com/v2.0`,
        authorization_endpoint: `https://${LOGIN_HOST}/botframework.com/oauth2/v2.0/authorize`,
        token_endpoint: `https://${LOGIN_HOST}/botframework.com/oauth2/v2.0/token`,
        end_session_endpoint: `https://${LOGIN_HOST}/botframework.com/oauth2/v2.0/logout`,
        jwks_uri: `https://${LOGIN_HOST}/botframework.com/discovery/v2.0/keys`,
      }));
    } else if (req.url?.startsWith('/botframework.com/oauth2/v2.0/token') && req.method === 'POST') {
      let body = '';
      for await (const c of req) body += String(c);
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== APP_ID || form.get('client_secret') !== APP_SECRET) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: 'invalid_client' }));
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const token = jwt(privateKeyForOutbound, 'outbound', { aud: 'https://api.botframework.com', appid: APP_ID, scp: form.get('scope'), iat: now, exp: now + 3600 });
      issued.push(token);
      res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: token }));
    } else if (req.url?.startsWith('/v1/.well-known/openidconfiguration')) {
      res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${base}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url?.startsWith('/v1/.well-known/keys')) {
      res.end(JSON.stringify({ keys: [{ ...jwk, kid, use: 'sig', alg: 'RS256', endorsements: ['msteams'] }, ...extra] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('Bot Framework JWT authentication when an app id is configured', () => {
  const kid = `key-${randomUUID()}`;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const webChatKid = `webchat-${randomUUID()}`;
  const webChat = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let idp: { url: string; server: Server };
  let sim: Simulator;
  let connector: FakeConnector;
  let bot: RunningBot;
  const logs: string[] = [];
  const issued: string[] = [];

  before(async () => {
    idp = await startIdentityProvider(publicKey, kid, issued, { publicKey: webChat.publicKey, kid: webChatKid });
    sim = await startSimulator({ tenant: loadFixtureFile(FIXTURE), port: 0, host: '127.0.0.1' });
    connector = await startFakeConnector();
    // A fresh metadata URL per run: botbuilder caches key sets per URL for the whole process.
    const metadata = `${idp.url}/v1/.well-known/openidconfiguration?run=${randomUUID()}`;
    bot = await startMfaBot(
      {
        PORT: '0', MFABOT_STORAGE: 'memory',
        HOST: '127.0.0.1',
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: APP_SECRET,
        MicrosoftAppTenantId: TENANT,
        MFABOT_GRAPH_URL: sim.url,
        LOG_LEVEL: 'debug',
        ToChannelFromBotLoginUrl: `https://${LOGIN_HOST}/botframework.com`,
        ToChannelFromBotOAuthScope: 'https://api.botframework.com',
        ToBotFromChannelTokenIssuer: ISSUER,
        OAuthUrl: idp.url,
        ToBotFromChannelOpenIdMetadataUrl: metadata,
        ToBotFromEmulatorOpenIdMetadataUrl: metadata,
        CallerId: 'urn:botframework:azure',
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
    await new Promise<void>((r) => idp?.server.close(() => r()));
  });

  function invoke() {
    return cardAction('status.refresh', {}, { serviceUrl: connector.url, tenantId: TENANT });
  }

  function claims(overrides: Record<string, unknown> = {}) {
    const now = Math.floor(Date.now() / 1000);
    return { iss: ISSUER, aud: APP_ID, serviceurl: connector.url, iat: now - 10, nbf: now - 10, exp: now + 600, ...overrides };
  }

  const cases: [string, () => Record<string, string>][] = [
    ['no Authorization header', () => ({})],
    ['a malformed token', () => ({ authorization: 'Bearer not-a-jwt' })],
    ['a Basic scheme', () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })],
    ['an expired token', () => ({ authorization: `Bearer ${jwt(privateKey, kid, claims({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200, nbf: Math.floor(Date.now() / 1000) - 7200 }))}` })],
    ['a token for another bot (wrong audience)', () => ({ authorization: `Bearer ${jwt(privateKey, kid, claims({ aud: randomUUID() }))}` })],
    ['a token from another issuer', () => ({ authorization: `Bearer ${jwt(privateKey, kid, claims({ iss: 'https://evil.example' }))}` })],
    ['a token signed with another key under a known key id', () => ({ authorization: `Bearer ${jwt(other.privateKey, kid, claims())}` })],
    ['a token with an unknown key id', () => ({ authorization: `Bearer ${jwt(privateKey, 'unknown-kid', claims())}` })],
    ['a token for another serviceUrl', () => ({ authorization: `Bearer ${jwt(privateKey, kid, claims({ serviceurl: 'https://smba.example/teams/' }))}` })],
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
    const res = await post(bot.url, invoke(), { authorization: `Bearer ${jwt(privateKey, kid, claims())}` });
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
    const res = await post(bot.url, activity, { authorization: `Bearer ${jwt(webChat.privateKey, webChatKid, claims())}` });
    assert.equal(res.status, 403, JSON.stringify(res.body).slice(0, 200));
    assert.doesNotMatch(JSON.stringify(res.body), /admins are registered/, 'no status card: the tenant\'s admins stay private');
    assert.equal(sim.requests().length, before, 'no Graph call was made');
    const chat = { ...message('status', { serviceUrl: connector.url, tenantId: TENANT, conversationType: 'personal' }), channelId: 'webchat' };
    assert.equal((await post(bot.url, chat, { authorization: `Bearer ${jwt(webChat.privateKey, webChatKid, claims())}` })).status, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(connector.sent.length, sent, 'no reply in the Web Chat conversation');
    assert.equal(sim.requests().length, before);
  });

  it('replies to the connector with a Bot Connector token from the identity provider', async () => {
    const activity = message('status', { serviceUrl: connector.url, tenantId: TENANT, conversationType: 'personal' });
    const res = await post(bot.url, activity, { authorization: `Bearer ${jwt(privateKey, kid, claims())}` });
    assert.equal(res.status, 200);
    const reply = await connector.waitFor((a) => a.conversationId === activity.conversation.id && attachedCard(a.body) !== undefined);
    assert.ok(issued.length > 0, 'the bot asked the identity provider for a token');
    assert.equal(reply.authorization, `Bearer ${issued[issued.length - 1]}`);
    const payload = JSON.parse(Buffer.from((issued[0] ?? '').split('.')[1] ?? '', 'base64url').toString()) as { aud: string; scp: string };
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
