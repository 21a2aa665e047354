/**
 * Teams app catalog and per-user app installations, for proactive 1:1 nudges
 * (learn.microsoft.com/graph/api/userteamwork-post-installedapps). The Teams service answers its
 * own 403s: a missing permission, an app permission policy that blocks the app for the user, and
 * TeamsAppInstallation.ReadWriteSelfForUser.All asked to install an app other than the caller's own.
 */
import { badRequest, GraphError, resourceNotFound } from '../errors';
import type { FixtureTeamsApp, FixtureUser } from '../fixture';
import { fields } from '../odata/filter';
import { PERMISSION, VISIBILITY, type Grants, type PermissionRequirement } from '../permissions';
import type { HandlerContext, Route } from '../router';
import { isRecord, toBase64Url, type JsonObject } from '../util';

const INSTALLED = '/users/{id}/teamwork/installedApps';

interface Installation {
  id: string;
  app: FixtureTeamsApp;
}

function appView(app: FixtureTeamsApp): JsonObject {
  const { botId: _botId, blockedFor: _blockedFor, ...rest } = app;
  return { distributionMethod: 'organization', ...rest };
}

/** The Teams service's answer to a missing permission (it names what it wanted and what it got). */
function missingRoles(requirement: PermissionRequirement, grants: Grants): GraphError {
  const wanted = requirement.flat().join(', ');
  return new GraphError(403, 'Forbidden',
    `Missing role permissions on the request. API requires one of '${wanted}'. Roles on the request '${grants.roles().join(', ')}'.`);
}

/** Whether `app` is the calling app's own Teams app (its manifest names the caller's app registration). */
function isOwnApp(ctx: HandlerContext, app: FixtureTeamsApp): boolean {
  return (app.externalId ?? '').toLowerCase() === ctx.sim.ownTeamsAppExternalId.toLowerCase();
}

/** The "Self" installation permissions reach only the calling app's own Teams app. */
const reachesEveryApp = (ctx: HandlerContext, write: boolean): boolean =>
  ctx.sim.grants.hasAny(write ? VISIBILITY.anyTeamsAppInstall : VISIBILITY.anyTeamsAppRead);

/** Graph's installation ids encode user and app; the simulator does the same (base64url). */
export function installationId(userId: string, teamsAppId: string): string {
  return toBase64Url(`${userId}##${teamsAppId}`);
}

function requireUser(ctx: HandlerContext): FixtureUser {
  const id = ctx.params.id ?? '';
  const user = ctx.sim.state.user(id);
  if (!user) throw resourceNotFound(id);
  return user;
}

/** The user's installations the caller may see: all of them, or its own app's with a "Self" permission. */
function installations(ctx: HandlerContext, user: FixtureUser): Installation[] {
  const ids = ctx.sim.state.tenant.userInstalledApps?.[user.id] ?? [];
  const every = reachesEveryApp(ctx, false);
  return ids.flatMap((appId) => {
    const app = ctx.sim.state.teamsApp(appId);
    return app && (every || isOwnApp(ctx, app)) ? [{ id: installationId(user.id, app.id), app }] : [];
  });
}

function requireInstallation(ctx: HandlerContext): { user: FixtureUser; installation: Installation } {
  const user = requireUser(ctx);
  const wanted = ctx.params.installationId ?? '';
  const installation = installations(ctx, user).find((i) => i.id === wanted);
  if (!installation) throw new GraphError(404, 'NotFound', `Installation '${wanted}' was not found for user '${user.id}'.`);
  return { user, installation };
}

function expandsTeamsApp(ctx: HandlerContext): boolean {
  const names = ctx.query.expand ?? [];
  const unknown = names.filter((n) => n !== 'teamsApp' && n !== 'teamsAppDefinition');
  if (unknown.length > 0) throw badRequest(`Cannot expand '${unknown.join(', ')}' on teamsAppInstallation.`);
  return names.includes('teamsApp');
}

function installationView(i: Installation, expand: boolean): JsonObject {
  return expand ? { id: i.id, teamsApp: appView(i.app) } : { id: i.id };
}

export const teamsRoutes: Route[] = [
  {
    method: 'GET', path: '/appCatalogs/teamsApps', permissions: [PERMISSION.appCatalog], denied: missingRoles,
    options: ['$filter', '$select', '$skiptoken', '$top'],
    handle: (ctx) => ctx.page(ctx.sim.state.tenant.teamsApps ?? [], {
      context: 'appCatalogs/teamsApps', maxTop: 999,
      filter: fields('string', ['eq'], 'id', 'externalId', 'displayName', 'distributionMethod'),
      resolve: (app, path) => appView(app)[path],
      project: appView,
    }),
  },
  {
    method: 'GET', path: INSTALLED, permissions: [PERMISSION.installedAppsRead], denied: missingRoles,
    options: ['$filter', '$expand', '$select', '$skiptoken', '$top'],
    handle: (ctx) => {
      const expand = expandsTeamsApp(ctx);
      return ctx.page(installations(ctx, requireUser(ctx)), {
        context: `users('${ctx.params.id ?? ''}')/teamwork/installedApps`, maxTop: 999,
        filter: fields('string', ['eq'], 'teamsApp/id', 'teamsApp/externalId', 'id'),
        resolve: (i, path) => (path === 'id' ? i.id : appView(i.app)[path.slice('teamsApp/'.length)]),
        project: (i) => installationView(i, expand),
        keepOnSelect: ['teamsApp'],
      });
    },
  },
  {
    method: 'POST', path: INSTALLED, permissions: [PERMISSION.installedAppsWrite], denied: missingRoles,
    handle: (ctx) => {
      const user = requireUser(ctx);
      const body = ctx.req.body;
      const bind = isRecord(body) ? body['teamsApp@odata.bind'] : undefined;
      const match = typeof bind === 'string' ? /\/appCatalogs\/teamsApps\/([^/?]+)$/i.exec(bind) : null;
      if (!match?.[1]) throw badRequest("The body must bind the app: {\"teamsApp@odata.bind\": \"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{id}\"}.");
      const app = ctx.sim.state.teamsApp(decodeURIComponent(match[1]));
      if (!app) throw new GraphError(404, 'NotFound', `The Teams app '${match[1]}' is not in the app catalog.`);
      if (!isOwnApp(ctx, app) && !reachesEveryApp(ctx, true)) {
        throw new GraphError(403, 'Forbidden',
          `The calling application may install only its own Teams app for users; '${app.id}' is a different app (TeamsAppInstallation.ReadWriteSelfForUser.All).`);
      }
      if ((app.blockedFor ?? []).some((u) => u.toLowerCase() === user.id.toLowerCase())) {
        throw new GraphError(403, 'Forbidden',
          `App is blocked by app permission policy. TenantId: ${ctx.sim.state.tenant.organization.id}, UserObjectId: ${user.id}, AppId: ${app.id}, AppType: Private`);
      }
      const tenant = ctx.sim.state.tenant;
      const installed = (tenant.userInstalledApps ??= {});
      const apps = (installed[user.id] ??= []);
      if (apps.some((a) => a.toLowerCase() === app.id.toLowerCase())) {
        throw new GraphError(409, 'Conflict', 'The app is already installed for this user.');
      }
      apps.push(app.id);
      ctx.sim.onAppInstalled?.({ userId: user.id, teamsAppId: app.id, installationId: installationId(user.id, app.id) });
      return { status: 201 };
    },
  },
  {
    method: 'GET', path: `${INSTALLED}/{installationId}`, permissions: [PERMISSION.installedAppsRead], denied: missingRoles, options: ['$expand', '$select'],
    handle: (ctx) => {
      const { user, installation } = requireInstallation(ctx);
      return ctx.entity(`users('${user.id}')/teamwork/installedApps`, installationView(installation, expandsTeamsApp(ctx)), ['teamsApp']);
    },
  },
  {
    method: 'GET', path: `${INSTALLED}/{installationId}/chat`, permissions: [PERMISSION.installedAppChat], denied: missingRoles, options: ['$select'],
    handle: (ctx) => {
      const { user, installation } = requireInstallation(ctx);
      const botId = installation.app.botId ?? installation.app.externalId ?? installation.app.id;
      return ctx.entity(`users('${user.id}')/teamwork/installedApps('${installation.id}')/chat`, {
        id: `19:${user.id}_${botId}@unq.gbl.spaces`,
        topic: null,
        chatType: 'oneOnOne',
      });
    },
  },
];

