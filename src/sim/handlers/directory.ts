/** Organization, users, groups (with transitive members), service principals and licences. */
import { resourceNotFound } from '../errors';
import { fields, type FilterSpec } from '../odata/filter';
import { PERMISSION } from '../permissions';
import type { HandlerContext, Route } from '../router';
import type { DirectoryObject } from '../state';
import { directoryObjectView, groupView, userView } from '../views';

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

function requireGroup(ctx: HandlerContext) {
  const id = ctx.params.id ?? '';
  const group = ctx.sim.state.group(id);
  if (!group) throw resourceNotFound(id);
  return group;
}

function transitive(ctx: HandlerContext, usersOnly: boolean) {
  const group = requireGroup(ctx);
  const members = ctx.sim.state.transitiveMembers(group.id);
  const selecting = ctx.query.select !== undefined;
  if (usersOnly) {
    const users = members.flatMap((m) => (m.kind === 'user' ? [m.obj] : []));
    return ctx.page(users, {
      context: 'users', maxTop: DIRECTORY_MAX_TOP, rejectTopAboveMax: true, filter: USER_FILTER,
      project: (u) => userView(u, selecting),
    });
  }
  return ctx.page<DirectoryObject>(members, {
    context: 'directoryObjects', maxTop: DIRECTORY_MAX_TOP, rejectTopAboveMax: true,
    project: (m) => directoryObjectView(m, selecting),
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
    method: 'GET', path: '/users', permissions: [PERMISSION.users], options: LIST,
    handle: (ctx) => {
      const selecting = ctx.query.select !== undefined;
      return ctx.page(ctx.sim.state.tenant.users, {
        context: 'users', maxTop: DIRECTORY_MAX_TOP, rejectTopAboveMax: true, filter: USER_FILTER,
        project: (u) => userView(u, selecting),
      });
    },
  },
  {
    method: 'GET', path: '/users/{id}', permissions: [PERMISSION.users], options: ['$select'],
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const user = ctx.sim.state.user(id);
      if (!user) throw resourceNotFound(id);
      return ctx.entity('users', userView(user, ctx.query.select !== undefined));
    },
  },
  {
    method: 'GET', path: '/groups/{id}', permissions: [PERMISSION.groups], options: ['$select'],
    handle: (ctx) => ctx.entity('groups', groupView(requireGroup(ctx))),
  },
  {
    method: 'GET', path: '/groups/{id}/transitiveMembers', permissions: [PERMISSION.groupMembers],
    options: ['$select', '$top', '$count', '$skiptoken'],
    handle: (ctx) => transitive(ctx, false),
  },
  {
    method: 'GET', path: '/groups/{id}/transitiveMembers/microsoft.graph.user', permissions: [PERMISSION.groupMembers],
    options: LIST,
    handle: (ctx) => transitive(ctx, true),
  },
  {
    method: 'GET', path: '/servicePrincipals/{id}', permissions: [PERMISSION.servicePrincipals], options: ['$select'],
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const sp = ctx.sim.state.servicePrincipal(id);
      if (!sp) throw resourceNotFound(id);
      return ctx.entity('servicePrincipals', { ...sp });
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
