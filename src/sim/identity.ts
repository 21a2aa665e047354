/**
 * The simulated tenant's identity provider: what Entra ID does for MfaBot's changes made with the
 * approver's own identity. It
 * - mints the token the Teams client gets for the signed-in user through single sign-on (for MfaBot's
 *   own API, `api://botid-<app id>`), once the user has consented;
 * - serves the OpenID metadata, keys and token endpoint MSAL uses, and performs the on-behalf-of
 *   exchange of that token for a Microsoft Graph token with delegated scopes;
 * - tells the simulated Graph who calls it: the app (any other bearer token) or a user (a token it
 *   signed), so Graph can check delegated scopes and the user's directory roles.
 * Flow and claims as learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow describes.
 */
import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { SIM_APP_ID, type ControlResponse } from './control';

/** The login host MSAL is told about; requests to it go to the simulator (`/_sim/idp`). */
export const SIM_LOGIN_HOST = 'login.sim.local';
/** Graph's resource id, the audience of Graph tokens. */
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** The client secret of the app the simulator pretends MfaBot is (SIM_APP_ID): the only one it accepts. */
export const SIM_APP_SECRET = 'simulated';
const OBO_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Scopes MSAL adds to every request; they are not Graph scopes. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access']);

/** Who calls the simulated Graph. */
export type Caller =
  | { kind: 'app' }
  | { kind: 'user'; userId: string; scopes: ReadonlySet<string> };

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function decodePart(part: string | undefined): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

/** The claims of a JWT, without checking anything (for tools that only read them). */
export function jwtClaims(token: string): Record<string, unknown> | null {
  return decodePart(token.split('.')[1]);
}

function oauthError(status: number, error: string, description: string): ControlResponse {
  return { status, body: { error, error_description: description, error_codes: [], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() } };
}

export class SimIdentity {
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly kid = `sim-${randomUUID().slice(0, 8)}`;
  /** Users who let MfaBot act as them (Teams shows the consent once). */
  private readonly consented = new Set<string>();

  constructor(private readonly tenantId: string, private readonly now: () => Date) {}

  /** The user lets MfaBot act as them. */
  consent(userId: string): void {
    this.consented.add(userId.toLowerCase());
  }

  /**
   * The token the Teams client gets for `userId` through single sign-on: for MfaBot's API `resource`
   * (`api://botid-<app id>`), scope `access_as_user`. Null until the user has consented.
   */
  ssoToken(userId: string, resource: string, overrides: Record<string, unknown> = {}): string | null {
    if (!this.consented.has(userId.toLowerCase())) return null;
    const now = Math.floor(this.now().getTime() / 1000);
    return this.sign({
      aud: resource, iss: this.issuer(), tid: this.tenantId, oid: userId.toLowerCase(), sub: userId.toLowerCase(), scp: 'access_as_user', ver: '2.0',
      iat: now, nbf: now, exp: now + 3600, uti: randomUUID(), ...overrides,
    });
  }

  /** The caller a bearer token stands for: a user when this provider signed it for Graph with scopes, else the app. */
  caller(authorization: string): Caller | { kind: 'invalid'; reason: string } {
    const token = /^Bearer\s+(\S+)/i.exec(authorization)?.[1] ?? '';
    const claims = this.verified(token);
    if (!claims) return { kind: 'app' };
    if (claims.aud !== GRAPH_AUDIENCE) return { kind: 'invalid', reason: 'The token is not for Microsoft Graph.' };
    if (String(claims.tid ?? '').toLowerCase() !== this.tenantId.toLowerCase()) return { kind: 'invalid', reason: 'The token is for another tenant.' };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < this.now().getTime()) return { kind: 'invalid', reason: 'Lifetime validation failed, the token is expired.' };
    if (typeof claims.scp !== 'string' || typeof claims.oid !== 'string') return { kind: 'app' };
    return { kind: 'user', userId: claims.oid.toLowerCase(), scopes: new Set(claims.scp.split(' ').filter((s) => s !== '').map((s) => s.toLowerCase())) };
  }

  /** `/_sim/idp/...`: OpenID metadata, keys and the token endpoint, as MSAL calls them. */
  handle(method: string, path: string, form: string, baseUrl: string): ControlResponse {
    const parts = path.split('/').filter((p) => p !== '');
    const rest = parts.slice(1).join('/');
    if (method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') return { status: 200, body: this.metadata(parts[0] ?? this.tenantId) };
    if (method === 'GET' && rest === 'discovery/v2.0/keys') {
      return { status: 200, body: { keys: [{ ...createPublicKey(this.keys.publicKey).export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'RS256' }] } };
    }
    if (method === 'POST' && rest === 'oauth2/v2.0/token') return this.token(new URLSearchParams(form));
    void baseUrl;
    return { status: 404, body: { error: 'not_found', error_description: `No such endpoint: ${method} ${path}` } };
  }

  private issuer(): string {
    return `https://${SIM_LOGIN_HOST}/${this.tenantId}/v2.0`;
  }

  private metadata(tenant: string) {
    const base = `https://${SIM_LOGIN_HOST}/${tenant}`;
    return {
      issuer: this.issuer(), token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      jwks_uri: `${base}/discovery/v2.0/keys`, end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      response_types_supported: ['code', 'id_token', 'token'], id_token_signing_alg_values_supported: ['RS256'],
    };
  }

  /** The on-behalf-of exchange: the user's token for MfaBot's API, for a Graph token with delegated scopes. */
  private token(form: URLSearchParams): ControlResponse {
    if (form.get('grant_type') !== OBO_GRANT || form.get('requested_token_use') !== 'on_behalf_of') {
      return oauthError(400, 'unsupported_grant_type', 'AADSTS70003: This simulator issues only on-behalf-of tokens.');
    }
    const clientId = form.get('client_id') ?? '';
    // As Entra ID: an app it does not know, then a wrong or missing credential, before anything else.
    if (clientId !== SIM_APP_ID) return oauthError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`);
    if (form.get('client_secret') !== SIM_APP_SECRET) return oauthError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    const assertion = this.verified(form.get('assertion') ?? '');
    if (!assertion) return oauthError(400, 'invalid_grant', 'AADSTS50013: Assertion failed signature validation.');
    if (assertion.aud !== `api://botid-${clientId}` && assertion.aud !== clientId) {
      return oauthError(400, 'invalid_grant', 'AADSTS50013: Assertion audience does not match the Client app presenting the assertion.');
    }
    if (String(assertion.tid ?? '').toLowerCase() !== this.tenantId.toLowerCase()) return oauthError(400, 'invalid_grant', 'AADSTS50020: The user is from another tenant.');
    if (typeof assertion.exp !== 'number' || assertion.exp * 1000 < this.now().getTime()) return oauthError(400, 'invalid_grant', 'AADSTS500133: Assertion is not within its valid time range.');
    const userId = String(assertion.oid ?? '').toLowerCase();
    if (!this.consented.has(userId)) return oauthError(400, 'invalid_grant', 'AADSTS65001: The user or administrator has not consented to use the application.');
    const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '' && !OIDC_SCOPES.has(s));
    const foreign = scopes.filter((s) => !s.toLowerCase().startsWith(`${GRAPH_AUDIENCE}/`));
    if (scopes.length === 0 || foreign.length > 0) return oauthError(400, 'invalid_scope', `AADSTS70011: The provided value for scope ${foreign.join(' ') || '(none)'} is not valid.`);
    const scp = scopes.map((s) => s.slice(GRAPH_AUDIENCE.length + 1)).join(' ');
    const now = Math.floor(this.now().getTime() / 1000);
    // `uti`: every token Entra ID issues is unique, even two for the same user in the same second.
    const common = { iss: this.issuer(), tid: this.tenantId, oid: userId, sub: userId, iat: now, nbf: now, exp: now + 3600, uti: randomUUID() };
    const accessToken = this.sign({ ...common, aud: GRAPH_AUDIENCE, scp, appid: clientId, ver: '1.0' });
    const idToken = this.sign({ ...common, aud: clientId, preferred_username: `${userId}@${this.tenantId}`, ver: '2.0' });
    return {
      status: 200,
      body: {
        token_type: 'Bearer', scope: scopes.join(' '), expires_in: 3600, ext_expires_in: 3600, access_token: accessToken, id_token: idToken,
        client_info: b64url(JSON.stringify({ uid: userId, utid: this.tenantId })),
      },
    };
  }

  private sign(claims: Record<string, unknown>): string {
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: this.kid }));
    const payload = b64url(JSON.stringify(claims));
    return `${header}.${payload}.${b64url(sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.keys.privateKey))}`;
  }

  /** The claims of a token this provider signed; null for any other token. */
  private verified(token: string): Record<string, unknown> | null {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature || decodePart(header)?.kid !== this.kid) return null;
    const ok = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.keys.publicKey, Buffer.from(signature, 'base64url'));
    return ok ? decodePart(payload) : null;
  }
}
