/**
 * A local identity provider for Bot Framework auth tests: the OpenID metadata and key set the
 * channel's tokens are checked against (login.botframework.com's role), the token endpoint MSAL gets
 * the bot's outbound token from (login.microsoftonline.com's role), and tokens minted as Teams mints them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { INetworkModule } from '@azure/msal-node';
import { loginNetwork } from '../../src/graph/delegated';

/** The login host MSAL is told about (knownAuthorities); `localNetwork` sends it to the local provider. */
export const LOGIN_HOST = 'login.local.test';
export const CHANNEL_ISSUER = 'https://api.botframework.com';

/** MSAL's network module, sending the local login host to the local identity provider. */
export function localNetwork(idpUrl: string): INetworkModule {
  return loginNetwork(LOGIN_HOST, idpUrl);
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** An RS256 JWT signed with `key`. */
export function jwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify(claims));
  return `${header}.${payload}.${b64url(sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key))}`;
}

export interface IdentityProvider {
  url: string;
  /** Outbound tokens handed to the bot, in order. */
  issued: string[];
  /** Key id of the channel signing key (endorsed for msteams). */
  kid: string;
  /** Claims of a valid channel token for `appId` and `serviceUrl` (ten minutes), with overrides. */
  channelClaims(serviceUrl: string, overrides?: Record<string, unknown>): Record<string, unknown>;
  /** A channel token for `appId` and `serviceUrl`, valid for ten minutes (claims may be overridden). */
  channelToken(serviceUrl: string, overrides?: Record<string, unknown>): string;
  /** Signs any claims with the channel key, under `kid` or another key id. */
  signWithChannelKey(claims: Record<string, unknown>, kid?: string): string;
  /**
   * A valid token signed by a second published key that carries no endorsements, as Bot Framework's
   * Web Chat and Direct Line keys do (botbuilder then checks no channel).
   */
  unendorsedToken(serviceUrl: string, overrides?: Record<string, unknown>): string;
  /** The seven Bot Framework endpoint settings pointing at this provider (a fresh metadata URL each call). */
  endpointSettings(): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the provider for one bot app (`appId`, `appSecret`). */
export async function startIdentityProvider(appId: string, appSecret: string): Promise<IdentityProvider> {
  const kid = `key-${randomUUID()}`;
  const channelKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const outboundKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const unendorsedKid = `webchat-${randomUUID()}`;
  const unendorsedKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = channelKeys.publicKey.export({ format: 'jwk' });
  const issued: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/botframework.com/v2.0/.well-known/openid-configuration')) {
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
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== appId || form.get('client_secret') !== appSecret) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: 'invalid_client' }));
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const token = jwt(outboundKey, 'outbound', { aud: CHANNEL_ISSUER, appid: appId, scp: form.get('scope'), iat: now, exp: now + 3600 });
      issued.push(token);
      res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: token }));
    } else if (req.url?.startsWith('/v1/.well-known/openidconfiguration')) {
      res.end(JSON.stringify({ issuer: CHANNEL_ISSUER, jwks_uri: `${base}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url?.startsWith('/v1/.well-known/keys')) {
      res.end(JSON.stringify({ keys: [
        { ...jwk, kid, use: 'sig', alg: 'RS256', endorsements: ['msteams'] },
        { ...unendorsedKeys.publicKey.export({ format: 'jwk' }), kid: unendorsedKid, use: 'sig', alg: 'RS256' },
      ] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const channelClaims = (serviceUrl: string, overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: CHANNEL_ISSUER, aud: appId, serviceurl: serviceUrl, iat: now - 10, nbf: now - 10, exp: now + 600, ...overrides };
  };
  return {
    url,
    issued,
    kid,
    channelClaims,
    channelToken: (serviceUrl, overrides = {}) => jwt(channelKeys.privateKey, kid, channelClaims(serviceUrl, overrides)),
    signWithChannelKey: (claims, keyId = kid) => jwt(channelKeys.privateKey, keyId, claims),
    unendorsedToken: (serviceUrl, overrides = {}) => jwt(unendorsedKeys.privateKey, unendorsedKid, channelClaims(serviceUrl, overrides)),
    endpointSettings() {
      // A fresh metadata URL: botbuilder caches key sets per URL for the whole process.
      const metadata = `${url}/v1/.well-known/openidconfiguration?run=${randomUUID()}`;
      return {
        ToChannelFromBotLoginUrl: `https://${LOGIN_HOST}/botframework.com`,
        ToChannelFromBotOAuthScope: CHANNEL_ISSUER,
        ToBotFromChannelTokenIssuer: CHANNEL_ISSUER,
        OAuthUrl: url,
        ToBotFromChannelOpenIdMetadataUrl: metadata,
        ToBotFromEmulatorOpenIdMetadataUrl: metadata,
        CallerId: 'urn:botframework:azure',
      };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
