/**
 * The simulator's own control endpoints under `/_sim` (no auth, not logged): the request log
 * (README, "Tenant fixtures") and its timeline (README, "Performance"), fault injection, the live tenant for the playground, "I've registered", and a test
 * token carrying the granted permissions (for `mfabot doctor`).
 */
import { faultSchema, type FaultInjector } from './faults';
import type { FixtureRegistration } from './fixture';
import type { Grants } from './permissions';
import type { SimIdentity } from './identity';
import type { TenantState } from './state';

/** One served Graph request (README, "Tenant fixtures"); a `$batch` is one entry with its inner count. */
export interface SimRequest {
  method: string;
  /** Path with version, without query, e.g. `/v1.0/users`. */
  path: string;
  status: number;
  batch?: number;
}

/**
 * When and for how long the simulator served one Graph request (`GET /_sim/timeline`), so a
 * benchmark can tell Graph's latency from the simulator's own work and rebuild the chain of
 * sequential round trips. Times are wall-clock milliseconds (since 1970, to 0.1 ms), so a client on
 * the same machine can line them up with its own.
 */
export interface SimTiming extends SimRequest {
  /** The request arrived. */
  startMs: number;
  /** The answer was written. */
  endMs: number;
  /** Spent serving it (routing, filtering, projecting, serialising), without the added latency. */
  handledMs: number;
  /** A `$batch`'s inner requests, `METHOD /path` without the query. */
  items?: string[];
}

export interface ControlResponse {
  status: number;
  body?: unknown;
}

export interface ControlDeps {
  state: TenantState;
  faults: FaultInjector;
  log: SimRequest[];
  timeline: SimTiming[];
  grants: Grants;
  identity: SimIdentity;
  now(): Date;
}

/** Client id the simulator's test tokens are issued to (the app the simulator pretends MfaBot is). */
export const SIM_APP_ID = '8d2f6c1e-3b7a-4f5e-9c0d-1a2b3c4d5e6f';

/**
 * A test access token shaped like the ones Entra ID issues to an app for Microsoft Graph (client
 * credentials): the granted application permissions in `roles`, the tenant in `tid`, the app in
 * `appid`. Unsigned (`alg: none`): it only lets `mfabot doctor` read grants the way it reads a real
 * token; the simulator accepts any bearer token anyway.
 */
export function testToken(tenantId: string, roles: readonly string[], now: Date): { token_type: 'Bearer'; expires_in: number; access_token: string } {
  const seconds = Math.floor(now.getTime() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = {
    aud: 'https://graph.microsoft.com', iss: `https://sts.windows.net/${tenantId}/`, iat: seconds, nbf: seconds, exp: seconds + 3600,
    appid: SIM_APP_ID, idtyp: 'app', tid: tenantId, roles: [...roles],
  };
  return { token_type: 'Bearer', expires_in: 3599, access_token: `${part({ typ: 'JWT', alg: 'none' })}.${part(claims)}.` };
}

/**
 * Marks a user as registered for MFA (creating the report row if missing), as if they had just
 * completed registration. Returns the row, or undefined when there is no such user.
 */
export function registerUser(state: TenantState, userId: string, now: Date): FixtureRegistration | undefined {
  const user = state.user(userId);
  if (!user) return undefined;
  const stamp = now.toISOString();
  let row = state.registration(user.id);
  if (!row) {
    row = {
      id: user.id, userPrincipalName: user.userPrincipalName, userDisplayName: user.displayName,
      userType: user.userType === 'Guest' ? 'guest' : 'member', isMfaRegistered: true, isMfaCapable: true,
      isPasswordlessCapable: false, isSsprRegistered: true, isSsprEnabled: true, isSsprCapable: true,
      isSystemPreferredAuthenticationMethodEnabled: true, methodsRegistered: [], systemPreferredAuthenticationMethods: [],
      userPreferredMethodForSecondaryAuthentication: '', lastUpdatedDateTime: stamp,
    };
    state.tenant.userRegistrationDetails.push(row);
  }
  row.isMfaRegistered = true;
  row.isMfaCapable = true;
  // New lists, never changed in place: generated rows share theirs.
  if (!row.methodsRegistered.includes('microsoftAuthenticatorPush')) row.methodsRegistered = [...row.methodsRegistered, 'microsoftAuthenticatorPush'];
  if (row.systemPreferredAuthenticationMethods.length === 0) row.systemPreferredAuthenticationMethods = ['push'];
  row.userPreferredMethodForSecondaryAuthentication = row.userPreferredMethodForSecondaryAuthentication || 'push';
  row.lastUpdatedDateTime = stamp;
  return row;
}

const notFound = (what: string): ControlResponse => ({ status: 404, body: { error: { code: 'NotFound', message: what } } });

/**
 * What the Teams client obtains for a signed-in user through single sign-on (`{userId, resource}`):
 * the token for MfaBot's API, or 403 `consent_required` until the user consents (`consent: true`).
 */
function ssoToken(body: unknown, deps: ControlDeps): ControlResponse {
  const b = (body ?? {}) as { userId?: unknown; resource?: unknown; consent?: unknown };
  if (typeof b.userId !== 'string' || typeof b.resource !== 'string') return { status: 400, body: { error: { code: 'BadRequest', message: 'userId and resource are required.' } } };
  if (!deps.state.user(b.userId)) return notFound(`No user '${b.userId}'.`);
  if (b.consent === true) deps.identity.consent(b.userId);
  const token = deps.identity.ssoToken(b.userId, b.resource);
  return token ? { status: 200, body: { token } } : { status: 403, body: { error: 'consent_required', error_description: 'The user has not consented to MfaBot acting as them.' } };
}

/** Serves `/_sim/...`; `path` is the part after `/_sim`. */
export function handleControl(method: string, path: string, body: unknown, deps: ControlDeps): ControlResponse {
  const m = method.toUpperCase();
  const route = `${m} ${path.replace(/\/+$/, '')}`;
  if (route === 'GET /requests') return { status: 200, body: deps.log.slice() };
  if (route === 'DELETE /requests') {
    deps.log.length = 0;
    deps.timeline.length = 0;
    return { status: 204 };
  }
  if (route === 'GET /timeline') return { status: 200, body: deps.timeline.slice() };
  if (route === 'GET /faults') return { status: 200, body: deps.faults.list() };
  if (route === 'DELETE /faults') {
    deps.faults.clear();
    return { status: 204 };
  }
  if (route === 'POST /faults') {
    try {
      deps.faults.inject(faultSchema.parse(body));
    } catch (err) {
      return { status: 400, body: { error: { code: 'BadRequest', message: err instanceof Error ? err.message : String(err) } } };
    }
    return { status: 201, body: deps.faults.list() };
  }
  if (route === 'GET /tenant') return { status: 200, body: deps.state.tenant };
  if (route === 'GET /token') return { status: 200, body: testToken(deps.state.tenant.organization.id, deps.grants.roles(), deps.now()) };
  if (route === 'POST /sso') return ssoToken(body, deps);
  const register = /^POST \/users\/([^/]+)\/register$/.exec(route);
  if (register?.[1]) {
    const row = registerUser(deps.state, decodeURIComponent(register[1]), deps.now());
    return row ? { status: 200, body: row } : notFound(`No user '${register[1]}'.`);
  }
  return notFound(`Unknown simulator control endpoint: ${m} /_sim${path}`);
}
