/** Organization, users, groups (with transitive members), service principals and licences. */
import { GraphError, insufficientPrivileges, resourceNotFound } from '../errors';
import { fields, type FilterSpec } from '../odata/filter';
import { PERMISSION } from '../permissions';
import type { HandlerContext, Route } from '../router';
import type { DirectoryObject } from '../state';
import { directoryObjectView, groupView, servicePrincipalView, USER_BASIC_PROPERTIES, userView } from '../views';

const LIST = ['$filter', '$select', '$top', '$count', '$skiptoken'] as const;
/** Graph's maximum page size for directory objects; larger `$top` is a 400. */
const DIRECTORY_MAX_TOP = 999;

const USER_FILTER: FilterSpec = {
  ...fields('string', ['eq', 'in'], 'id'),
  ...fields('string', ['eq', 'in', 'startswith'], 'userPrincipalName', 'mail'),
  ...fields('string', ['eq', 'startswith'], 'displayName'),
  ...fields('string', ['eq'], 'userType'),
  ...fields('boolean', ['eq', 'ne'], 'accountEnabled'),
};

/** Sortable user properties without advanced query (learn.microsoft.com/graph/api/user-list). */
const USER_ORDER_BY = ['displayName', 'userPrincipalName'];

/**
 * How much of a user the `/users` routes may show. With only the basic profile readable, Graph
 * refuses (403) a `$select` or `$filter` that names anything else, accountEnabled and userType
 * included.
 */
function userLevelFor(ctx: HandlerContext): 'full' | 'basic' {
  const level = ctx.sim.grants.userLevel();
  if (level === 'full') return 'full';
  const named = [...(ctx.query.select ?? []), ...filteredProperties(ctx.query.filter), ...(ctx.query.orderBy ?? []).map((o) => o.property)];
  if (named.some((p) => !USER_BASIC_PROPERTIES.includes(p))) throw insufficientPrivileges();
  return 'basic';
}

/** Property names a `$filter` mentions (rough, for the permission check only). */
function filteredProperties(filter: string | undefined): string[] {
  if (!filter) return [];
  const withoutStrings = filter.replace(/'(?:[^']|'')*'/g, "''");
  const words = withoutStrings.match(/[A-Za-z_][\w]*/g) ?? [];
  const keywords = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in', 'and', 'or', 'not', 'startswith', 'endswith', 'true', 'false', 'null', 'any', 'all']);
  return words.filter((w) => !keywords.has(w));
}

/**
 * An OData cast on a directoryObject collection is an advanced query: Graph answers 400 unless the
 * request has `ConsistencyLevel: eventual` and `$count=true`
 * (learn.microsoft.com/graph/aad-advanced-queries).
 */
function requireAdvancedQuery(ctx: HandlerContext): void {
  const consistency = (ctx.req.headers.consistencylevel ?? '').trim().toLowerCase();
  if (consistency !== 'eventual' || !ctx.query.count) {
    throw new GraphError(400, 'Request_UnsupportedQuery',
      "Unsupported query: an OData cast on a directory object collection needs the header 'ConsistencyLevel: eventual' and '$count=true'.");
  }
}

function requireGroup(ctx: HandlerContext) {
  const id = ctx.params.id ?? '';
  const group = ctx.sim.state.group(id);
  if (!group) throw resourceNotFound(id);
  return group;
}

/**
 * How much of each member user the app sees. The route's own permission (group membership) shows
 * their basic profile, User.Read.All the rest; with the `members-id-only` fault, members the app
 * holds no User.Read.All for are `id` and `@odata.type` only.
 */
function memberLevel(ctx: HandlerContext): 'full' | 'basic' | 'none' {
  const level = ctx.sim.grants.userLevel();
  if (level === 'full') return 'full';
  if (!ctx.sim.graphFaults.has('members-id-only')) return 'basic';
  ctx.sim.graphFaults.fired('members-id-only');
  return 'none';
}

function transitive(ctx: HandlerContext, usersOnly: boolean) {
  if (usersOnly) requireAdvancedQuery(ctx);
  const group = requireGroup(ctx);
  const members = ctx.sim.state.transitiveMembers(group.id);
  const selecting = ctx.query.select !== undefined;
  const level = memberLevel(ctx);
  if (usersOnly) {
    const users = members.flatMap((m): DirectoryObject[] => (m.kind === 'user' ? [m] : []));
    return ctx.page(users, {
      context: 'users', maxTop: DIRECTORY_MAX_TOP, rejectTopAboveMax: true, filter: USER_FILTER, advancedQuery: true,
      resolve: (m, path) => (m.obj as Record<string, unknown>)[path],
      project: (m) => {
        const view = directoryObjectView(m, selecting, level);
        // Members of a cast collection are all users: Graph types them only when it has to (id-only).
        if (level !== 'none') delete view['@odata.type'];
        return view;
      },
    });
  }
  return ctx.page<DirectoryObject>(members, {
    context: 'directoryObjects', maxTop: DIRECTORY_MAX_TOP, rejectTopAboveMax: true,
    project: (m) => directoryObjectView(m, selecting, level),
  });
}

export const directoryRoutes: Route[] = [
  {
    method: 'GET', path: '/organization', permissions: [PERMISSION.organization], options: ['$select'],
    handle: (ctx) => ctx.page([ctx.sim.state.tenant.organization], {
      context: 'organization', maxTop: 1,
      project: (o) => ({ verifiedDomains: [], ...o }),
    }),
  },
  {
    method: 'GET', path: '/users', permissions: [PERMISSION.users], options: [...LIST, '$orderby'],
    handle: (ctx) => {
      const selecting = ctx.query.select !== undefined;
      const level = userLevelFor(ctx);
      return ctx.page(ctx.sim.state.tenant.users, {
        context: 'users', maxTop: DIRECTORY_MAX_TOP, rejectTopAboveMax: true, filter: USER_FILTER, orderBy: USER_ORDER_BY, advancedQuery: true,
        project: (u) => userView(u, selecting, level),
      });
    },
  },
  {
    method: 'GET', path: '/users/{id}', permissions: [PERMISSION.users], options: ['$select'],
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const user = ctx.sim.state.user(id);
      const level = userLevelFor(ctx);
      if (!user) throw resourceNotFound(id);
      return ctx.entity('users', userView(user, ctx.query.select !== undefined, level));
    },
  },
  {
    method: 'GET', path: '/groups/{id}', permissions: [PERMISSION.group], options: ['$select'],
    handle: (ctx) => ctx.entity('groups', groupView(requireGroup(ctx))),
  },
  {
    method: 'GET', path: '/groups/{id}/transitiveMembers', permissions: [PERMISSION.transitiveMembers],
    options: ['$select', '$top', '$count', '$skiptoken'],
    handle: (ctx) => transitive(ctx, false),
  },
  {
    method: 'GET', path: '/groups/{id}/transitiveMembers/microsoft.graph.user', permissions: [PERMISSION.transitiveMembers],
    options: LIST,
    handle: (ctx) => transitive(ctx, true),
  },
  {
    method: 'GET', path: '/servicePrincipals/{id}', permissions: [PERMISSION.servicePrincipal], options: ['$select'],
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const sp = ctx.sim.state.servicePrincipal(id);
      if (!sp) throw resourceNotFound(id);
      return ctx.entity('servicePrincipals', servicePrincipalView(sp));
    },
  },
  {
    method: 'GET', path: '/subscribedSkus', permissions: [PERMISSION.subscribedSkus], options: ['$select', '$skiptoken'],
    handle: (ctx) => ctx.page(ctx.sim.state.tenant.subscribedSkus, {
      context: 'subscribedSkus', maxTop: 999,
      project: (s) => ({ accountId: ctx.sim.state.tenant.organization.id, accountName: ctx.sim.state.tenant.organization.displayName, appliesTo: 'User', subscriptionIds: [], ...s }),
    }),
  },
];
