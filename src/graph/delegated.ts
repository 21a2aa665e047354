/**
 * Microsoft Graph tokens with the approver's own identity: the token Teams obtained for them through
 * single sign-on (for MfaBot's API) is exchanged on their behalf (OAuth 2.0 on-behalf-of,
 * learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow) for a Graph token with the
 * delegated scopes a change needs. Graph then checks both the scopes and the approver's directory role.
 *
 * The token is checked before it is exchanged: it must be for MfaBot's API, in MfaBot's tenant, and
 * the clicker's own. Its signature is Entra ID's to check, and the exchange fails when it is not valid.
 * Tokens are never logged or stored.
 */
import { ConfidentialClientApplication, type INetworkModule, type NetworkResponse } from '@azure/msal-node';

/** Graph's resource; delegated scopes are named below it. */
const GRAPH = 'https://graph.microsoft.com';

/** No usable token for the clicker: Teams must sign them in (again) before the change can be made. */
export class SignInRequired extends Error {
  constructor(readonly reason: string) {
    super(`sign-in required: ${reason}`);
    this.name = 'SignInRequired';
  }
}

/** A token that is not the clicker's, not MfaBot's or not this tenant's: refused, never exchanged. */
export class TokenRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TokenRefused';
  }
}

/**
 * Entra ID refused the exchange itself for a reason signing in again cannot fix: MfaBot's app
 * credentials, its registration, or the login host could not be reached. `reason` names Entra ID's
 * error code, never a token or secret.
 */
export class ExchangeFailed extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ExchangeFailed';
  }
}

export interface DelegatedAccessOptions {
  /** MfaBot's app registration: the audience of the single sign-on token and the client of the exchange. */
  clientId: string;
  clientSecret: string;
  tenantId: string;
  /** MfaBot's API as the manifest's webApplicationInfo names it, `api://botid-<app id>`. */
  resource: string;
  /** Login host, e.g. https://login.microsoftonline.com (sovereign clouds differ). */
  authorityHost: string;
  /** For a login host MSAL does not know (the simulated tenant's). */
  network?: { knownAuthorities: string[]; networkClient: INetworkModule };
  now?: () => Date;
}

function claimsOf(token: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' ? value as Record<string, unknown> : {};
  } catch {
    return {};
  }
}

/** What the card and the log say when the exchange fails: Entra ID's code and what to check. */
function exchangeFailure(e: { errorCode?: string; errorMessage?: string }, scopes: readonly string[]): string {
  const aadsts = /AADSTS\d+/.exec(e.errorMessage ?? '')?.[0];
  const code = [e.errorCode, aadsts].filter((c) => c).join(', ') || 'no answer';
  const fix = /invalid_client|AADSTS7000215|AADSTS7000222/i.test(code)
    ? 'MfaBot\'s client secret (MicrosoftAppPassword) is wrong or expired'
    : /unauthorized_client|AADSTS700016/i.test(code)
      ? 'MicrosoftAppId is not an app registration in this tenant'
      : /invalid_scope|AADSTS70011|AADSTS650053/i.test(code)
        ? `the app registration lists the delegated permissions ${scopes.join(' and ')}`
        : 'the login host (MFABOT_LOGIN_URL) could not be reached or answered with an error';
  return `Microsoft Entra ID refused to exchange the approver's sign-in (${code}): check that ${fix}.`;
}

const lower = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');

/** MSAL's network module sending `loginHost` to `baseUrl` (the simulated tenant's identity provider). */
export function loginNetwork(loginHost: string, baseUrl: string): INetworkModule {
  const route = (url: string): string => url.replace(`https://${loginHost}`, baseUrl.replace(/\/+$/, ''));
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

export class DelegatedAccess {
  private readonly client: ConfidentialClientApplication;
  private readonly now: () => Date;

  constructor(private readonly opts: DelegatedAccessOptions) {
    this.now = opts.now ?? (() => new Date());
    this.client = new ConfidentialClientApplication({
      auth: {
        clientId: opts.clientId,
        clientSecret: opts.clientSecret,
        authority: `${opts.authorityHost.replace(/\/+$/, '')}/${opts.tenantId}`,
        ...(opts.network ? { knownAuthorities: opts.network.knownAuthorities } : {}),
      },
      system: opts.network ? { networkClient: opts.network.networkClient } : {},
    });
  }

  /**
   * A Graph token for `userId` with `scopes` (e.g. Policy.ReadWrite.ConditionalAccess), exchanged from
   * the single sign-on token Teams sent. Throws SignInRequired when there is none or it no longer
   * works (expired, consent missing), TokenRefused when it is somebody else's or for something else.
   */
  async graphToken(userId: string, ssoToken: string | undefined, scopes: readonly string[]): Promise<string> {
    if (!ssoToken) throw new SignInRequired('Teams sent no sign-in for this click');
    this.check(userId, claimsOf(ssoToken));
    let result;
    try {
      result = await this.client.acquireTokenOnBehalfOf({ oboAssertion: ssoToken, scopes: scopes.map((s) => `${GRAPH}/${s}`) });
    } catch (err) {
      const e = err as { errorCode?: string; errorMessage?: string; subError?: string };
      const code = `${e.errorCode ?? ''} ${e.subError ?? ''} ${e.errorMessage ?? ''}`;
      // AADSTS65001: no consent yet; invalid_grant: expired or revoked. Both need Teams to sign the user in.
      if (/consent|invalid_grant|interaction_required|AADSTS65001|AADSTS500133|AADSTS50013/i.test(code)) throw new SignInRequired(e.errorCode ?? 'the sign-in could not be used');
      throw new ExchangeFailed(exchangeFailure(e, scopes));
    }
    const token = result?.accessToken;
    if (!token) throw new SignInRequired('the identity provider returned no token');
    const granted = claimsOf(token);
    if (lower(granted.oid) !== userId.toLowerCase() || lower(granted.tid) !== this.opts.tenantId.toLowerCase()) {
      throw new TokenRefused('The identity provider returned a token for someone else.');
    }
    return token;
  }

  /** The single sign-on token must be for MfaBot's API, this tenant and this clicker, and not expired. */
  private check(userId: string, claims: Record<string, unknown>): void {
    const audiences = [this.opts.resource, this.opts.clientId].map((a) => a.toLowerCase());
    if (!audiences.includes(lower(claims.aud))) throw new TokenRefused('The sign-in Teams sent is not for MfaBot.');
    if (lower(claims.tid) !== this.opts.tenantId.toLowerCase()) throw new TokenRefused('The sign-in Teams sent is for another tenant.');
    if (lower(claims.oid) !== userId.toLowerCase()) throw new TokenRefused('The sign-in Teams sent is not the clicker\'s own.');
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.now().getTime()) throw new SignInRequired('the sign-in has expired');
  }
}
