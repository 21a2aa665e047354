/**
 * Teams single sign-on for changes made with the approver's own identity. An approver's click that
 * would change the tenant needs proof of who they are: the token Teams obtains for them for MfaBot's
 * API. It comes with the click (`value.authentication.token`, after MfaBot answered an earlier click
 * with a sign-in request, learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/
 * universal-actions-for-adaptive-cards/sso-adaptive-cards-universal-action), or through the token
 * exchange invoke `signin/tokenExchange` that answers an OAuth card (clients without Universal
 * Actions). Tokens are kept in memory only, until they expire, and never logged.
 */
import { randomUUID } from 'node:crypto';
import { CardFactory, type CloudAdapter, type TurnContext } from 'botbuilder';
import type { UserTokenClient } from 'botframework-connector';
import type { Logger } from '../log';
import type { SignInProof } from '../services/writeAccess';
import { withTimeout } from './invoke';

export interface SignInOptions {
  /** MfaBot's API, `api://botid-<app id>`: what Teams gets the token for (webApplicationInfo.resource). */
  resource: string;
  /** The Azure Bot's OAuth connection, for the sign-in Teams offers when silent sign-on fails. */
  connectionName: string | null;
  adapter: CloudAdapter;
  logger: Logger;
  now: () => Date;
}

export interface SignIn {
  /** What Teams sent with this click to prove who clicked, or a token kept from an earlier exchange. */
  proofOf(context: TurnContext): SignInProof;
  /** Asks Teams to sign the clicker in: a sign-in request as the invoke's answer, else an OAuth card. */
  ask(context: TurnContext): Promise<string>;
  /** The `signin/tokenExchange` invoke: keeps the token if it is the sender's, for their next click. */
  tokenExchange(context: TurnContext): Promise<void>;
}

const PROMPT = 'Sign in to MfaBot: the change is made with your own identity, so Microsoft Graph checks your role.';

function claimsOf(token: string): { oid?: unknown; exp?: unknown } {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { oid?: unknown; exp?: unknown };
  } catch {
    return {};
  }
}

export function createSignIn(opts: SignInOptions): SignIn {
  /** Single sign-on tokens by Entra object id, until they expire. */
  const kept = new Map<string, { token: string; expiresAt: number }>();
  const keep = (userId: string, token: string): boolean => {
    const { oid, exp } = claimsOf(token);
    if (typeof oid !== 'string' || oid.toLowerCase() !== userId.toLowerCase() || typeof exp !== 'number') return false;
    kept.set(userId.toLowerCase(), { token, expiresAt: exp * 1000 });
    if (kept.size > 5_000) kept.delete(kept.keys().next().value as string);
    return true;
  };

  /** The Bot Framework token service's sign-in link, when an OAuth connection is configured (best effort). */
  const signInLink = async (context: TurnContext): Promise<string | null> => {
    if (!opts.connectionName) return null;
    const client = context.turnState.get<UserTokenClient | undefined>(opts.adapter.UserTokenClientKey);
    if (!client) return null;
    try {
      return (await withTimeout(client.getSignInResource(opts.connectionName, context.activity, ''), 2_000)).signInLink ?? null;
    } catch (err) {
      opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'no sign-in link: Teams can still sign the approver in silently');
      return null;
    }
  };

  return {
    proofOf(context) {
      const userId = context.activity.from?.aadObjectId ?? '';
      const sent = (context.activity.value as { authentication?: { token?: unknown } } | undefined)?.authentication?.token;
      if (typeof sent === 'string' && sent !== '') {
        keep(userId, sent);
        return { token: sent };
      }
      const known = kept.get(userId.toLowerCase());
      return known && known.expiresAt > opts.now().getTime() ? { token: known.token } : {};
    },

    async ask(context) {
      const link = await signInLink(context);
      const exchange = { id: randomUUID(), uri: opts.resource };
      if (context.activity.type === 'invoke') {
        const value = {
          text: PROMPT, connectionName: opts.connectionName ?? '', tokenExchangeResource: exchange,
          buttons: link ? [{ type: 'signin', title: 'Sign in', text: 'Sign in', value: link }] : [],
        };
        await context.sendActivity({ type: 'invokeResponse', value: { status: 200, body: { statusCode: 401, type: 'application/vnd.microsoft.activity.loginRequest', value } } });
      } else {
        await context.sendActivity({ attachments: [CardFactory.oauthCard(opts.connectionName ?? '', 'Sign in', PROMPT, link ?? undefined, exchange)] });
      }
      return PROMPT;
    },

    async tokenExchange(context) {
      const value = (context.activity.value ?? {}) as { id?: unknown; connectionName?: unknown; token?: unknown };
      const ok = typeof value.token === 'string' && keep(context.activity.from?.aadObjectId ?? '', value.token);
      // 412 tells Teams the exchange failed, so it shows the sign-in instead.
      const status = ok ? 200 : 412;
      await context.sendActivity({ type: 'invokeResponse', value: { status, body: { id: value.id, connectionName: value.connectionName, ...(ok ? {} : { failureDetail: 'The token is not the sender\'s.' }) } } });
    },
  };
}
