/**
 * A user's registered authentication methods (docs/graph-notes.md, "Authentication methods"): the per-user alternative to the
 * registration report, one request per user. MfaBot reads it only where the report is closed (no
 * Entra ID P1/P2); the benchmark's naive baseline reads it too. Methods are derived from the user's
 * registration row, so both views agree.
 */
import { createHash } from 'node:crypto';
import { resourceNotFound } from '../errors';
import type { FixtureRegistration, FixtureUser } from '../fixture';
import { PERMISSION } from '../permissions';
import type { Route } from '../router';
import type { JsonObject } from '../util';

/** The id Graph gives every user's password method (Microsoft's samples; docs/graph-notes.md, "Authentication methods"). */
export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
const CREATED = '2025-01-01T00:00:00Z';

/** A stable GUID-shaped id for one method of one user. */
function methodId(userId: string, kind: string): string {
  const h = createHash('sha1').update(`${userId.toLowerCase()}:${kind}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const type = (name: string): string => `#microsoft.graph.${name}AuthenticationMethod`;

/** One `methodsRegistered` value of the report (docs/graph-notes.md, "Registration report") as the method object Graph lists. */
function methodView(user: FixtureUser, registered: string): JsonObject | null {
  const id = methodId(user.id, registered);
  switch (registered) {
    case 'microsoftAuthenticatorPush':
    case 'microsoftAuthenticatorPasswordless':
      return { '@odata.type': type('microsoftAuthenticator'), id, displayName: 'Phone', deviceTag: 'SoftwareTokenActivated', phoneAppVersion: '6.2401.0119', createdDateTime: CREATED };
    case 'softwareOneTimePasscode':
      return { '@odata.type': type('softwareOath'), id, secretKey: null };
    case 'mobilePhone':
    case 'alternateMobilePhone':
    case 'officePhone': {
      const phoneType = registered === 'mobilePhone' ? 'mobile' : registered === 'officePhone' ? 'office' : 'alternateMobile';
      return { '@odata.type': type('phone'), id, phoneNumber: '+1 5555550100', phoneType, smsSignInState: 'notAllowedByPolicy' };
    }
    case 'email':
      return { '@odata.type': type('email'), id, emailAddress: user.mail ?? user.userPrincipalName };
    case 'fido2':
    case 'passKeyDeviceBound':
    case 'passKeyDeviceBoundAuthenticator':
      return { '@odata.type': type('fido2'), id, displayName: 'Security key', model: 'FIDO2 key', aaGuid: null, attestationLevel: 'attested', createdDateTime: CREATED };
    case 'windowsHelloForBusiness':
      return { '@odata.type': type('windowsHelloForBusiness'), id, displayName: 'PC', keyStrength: 'normal', createdDateTime: CREATED };
    case 'temporaryAccessPass':
      return { '@odata.type': type('temporaryAccessPass'), id, isUsable: false, lifetimeInMinutes: 60, isUsableOnce: true, createdDateTime: CREATED };
    case 'macOsPlatformCredential':
      return { '@odata.type': type('platformCredential'), id, displayName: 'Mac', platform: 'macOS', keyStrength: 'normal', createdDateTime: CREATED };
    default:
      return null;
  }
}

/**
 * Every user has a password method; the rest follows the registration row (none without one). A row
 * that says registered for MFA without naming a second factor gets Microsoft Authenticator, so the
 * two views never disagree.
 */
export function authenticationMethods(user: FixtureUser, row: FixtureRegistration | undefined): JsonObject[] {
  const methods: JsonObject[] = [{ '@odata.type': type('password'), id: PASSWORD_METHOD_ID, password: null, createdDateTime: CREATED }];
  const registered = new Set(row?.methodsRegistered ?? []);
  if (row?.isMfaRegistered && [...registered].every((m) => m === 'email')) registered.add('microsoftAuthenticatorPush');
  for (const method of registered) {
    const view = methodView(user, method);
    if (view) methods.push(view);
  }
  return methods;
}

export const authenticationMethodRoutes: Route[] = [
  {
    // No OData query options (docs/graph-notes.md, "Authentication methods"): any `$option` is a 400.
    method: 'GET', path: '/users/{id}/authentication/methods', permissions: [PERMISSION.authenticationMethods], options: [],
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const user = ctx.sim.state.user(id);
      if (!user) throw resourceNotFound(id);
      return ctx.page(authenticationMethods(user, ctx.sim.state.registration(user.id)), {
        context: `users('${user.id}')/authentication/methods`, maxTop: 999,
      });
    },
  },
];
