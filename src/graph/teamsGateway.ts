/**
 * What nudges need from Graph: MfaBot's id in the org app catalog, whether it is installed for a
 * user, installing it for them (learn.microsoft.com/graph/api/userteamwork-post-installedapps), and one
 * user's MFA registration. Failures are GraphFailures: a 403 on install says which of its three causes.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphFailure } from './errors';
import { asPage, graphGet, graphSend } from './requests';

/** The port the nudge use cases depend on; tests may pass a fake. */
export interface TeamsGateway {
  /** Catalog id of the app whose manifest id is `externalId`; null when it is not in the catalog. */
  catalogAppId(externalId: string): Promise<string | null>;
  /** Whether the app is installed in the user's personal scope. */
  isInstalled(userId: string, teamsAppId: string): Promise<boolean>;
  /** Installs the app for the user; an app already installed (409) is not an error. */
  install(userId: string, teamsAppId: string): Promise<'installed' | 'alreadyInstalled'>;
  /** `isMfaRegistered` from the registration report; null when the report has no row for the user. */
  mfaRegistered(userId: string): Promise<boolean | null>;
}

export interface GraphTeamsGatewayOptions {
  client: Client;
  /** Base URL the client was built with: `teamsApp@odata.bind` names the app by absolute URL. */
  baseUrl: string;
  /** How long a catalog id found is reused (default 1 h). */
  catalogCacheMs?: number;
  now?: () => number;
}

const quote = (value: string): string => value.replace(/'/g, "''");
const enc = encodeURIComponent;

/** Which of the three 403s of an install Graph answered (see GraphTeamsGateway.install). */
export function installRefusal(err: GraphFailure, teamsAppId: string): GraphFailure {
  const said = err.details.graphMessage ?? '';
  const details = { ...err.details, missing: undefined };
  if (/app permission polic/i.test(said)) {
    return new GraphFailure('refused',
      "A Teams app permission policy blocks MfaBot for this admin, so it cannot be installed for them: allow MfaBot for them in the Teams admin center (Teams apps > Manage apps > MfaBot > Users and groups, or the permission policy assigned to them).",
      details);
  }
  if (err.details.code === 'Authorization_RequestDenied' || /missing role permissions|insufficient privileges/i.test(said)) return err;
  return new GraphFailure('refused',
    `Graph refused to install the Teams app ${teamsAppId} for this admin${said ? ` ("${said.slice(0, 200)}")` : ''}: it is not MfaBot's own app. TeamsAppInstallation.ReadWriteSelfForUser.All installs only the app whose manifest names MfaBot's app registration in webApplicationInfo; check that MFABOT_TEAMS_APP_ID is MfaBot's manifest id.`,
    details);
}

export class GraphTeamsGateway implements TeamsGateway {
  private catalog = new Map<string, { at: number; id: Promise<string | null> }>();

  constructor(private readonly opts: GraphTeamsGatewayOptions) {}

  private get client(): Client {
    return this.opts.client;
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  catalogAppId(externalId: string): Promise<string | null> {
    const cached = this.catalog.get(externalId);
    const ttl = this.opts.catalogCacheMs ?? 3_600_000;
    if (cached && this.now() - cached.at < ttl) return cached.id;
    const path = `/appCatalogs/teamsApps?$filter=externalId eq '${quote(externalId)}'`;
    const id = graphGet<unknown>(this.client, path)
      .then((body) => asPage<{ id?: unknown }>(body, path).value.find((a) => typeof a.id === 'string')?.id as string | undefined ?? null);
    this.catalog.set(externalId, { at: this.now(), id });
    // A failure or a missing app is not remembered: the next nudge asks again.
    id.then((found) => { if (found === null) this.catalog.delete(externalId); }, () => this.catalog.delete(externalId));
    return id;
  }

  async isInstalled(userId: string, teamsAppId: string): Promise<boolean> {
    const path = `/users/${enc(userId)}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '${quote(teamsAppId)}'`;
    return asPage<unknown>(await graphGet<unknown>(this.client, path), path).value.length > 0;
  }

  /**
   * Installs the app for the user. Graph's 403 here has three causes, told apart so the nudge result
   * says what to fix: the permission is missing; a Teams app permission policy blocks the app for
   * this user; or the app is not MfaBot's own (TeamsAppInstallation.ReadWriteSelfForUser.All
   * installs only the app whose manifest names the calling app registration in webApplicationInfo).
   */
  async install(userId: string, teamsAppId: string): Promise<'installed' | 'alreadyInstalled'> {
    const base = this.opts.baseUrl.replace(/\/+$/, '').replace(/\/(v1\.0|beta)$/, '');
    const body = { 'teamsApp@odata.bind': `${base}/v1.0/appCatalogs/teamsApps/${enc(teamsAppId)}` };
    try {
      await graphSend<unknown>(this.client, 'POST', `/users/${enc(userId)}/teamwork/installedApps`, body);
      return 'installed';
    } catch (err) {
      if (err instanceof GraphFailure && err.kind === 'conflict') return 'alreadyInstalled';
      throw err instanceof GraphFailure && err.kind === 'permission' ? installRefusal(err, teamsAppId) : err;
    }
  }

  async mfaRegistered(userId: string): Promise<boolean | null> {
    try {
      const row = await graphGet<{ isMfaRegistered?: unknown }>(this.client, `/reports/authenticationMethods/userRegistrationDetails/${enc(userId)}`);
      return typeof row.isMfaRegistered === 'boolean' ? row.isMfaRegistered : null;
    } catch (err) {
      if (err instanceof GraphFailure && err.kind === 'notFound') return null;
      throw err;
    }
  }
}
