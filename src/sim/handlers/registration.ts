/** The authentication methods registration report (facts §1): one row per enabled user. */
import { resourceNotFound } from '../errors';
import type { FixtureRegistration } from '../fixture';
import { fields, type FilterSpec } from '../odata/filter';
import { PERMISSION } from '../permissions';
import type { Route } from '../router';
import { registrationView } from '../views';

const PATH = '/reports/authenticationMethods/userRegistrationDetails';
const CONTEXT = 'reports/authenticationMethods/userRegistrationDetails';

const FILTER: FilterSpec = {
  ...fields('boolean', ['eq'], 'isAdmin', 'isMfaRegistered', 'isMfaCapable', 'isSsprRegistered', 'isSsprEnabled',
    'isSsprCapable', 'isPasswordlessCapable', 'isSystemPreferredAuthenticationMethodEnabled'),
  ...fields('string', ['eq'], 'userType'),
  ...fields('string', ['eq', 'startswith'], 'userPrincipalName', 'userDisplayName'),
  methodsRegistered: { type: 'string', ops: ['any'] },
  'methodsRegistered/$it': { type: 'string', ops: ['eq'] },
};

export const registrationRoutes: Route[] = [
  {
    method: 'GET', path: PATH, permissions: [PERMISSION.registrationReport], licence: 'premiumReport',
    options: ['$filter', '$select', '$top', '$count', '$skiptoken'],
    handle: (ctx) => {
      const admins = ctx.sim.state.directAdminUserIds();
      const isAdmin = (r: FixtureRegistration): boolean => admins.has(r.id.toLowerCase());
      return ctx.page(ctx.sim.state.tenant.userRegistrationDetails, {
        context: CONTEXT, maxTop: 999, filter: FILTER,
        resolve: (r, path) => {
          if (path === 'isAdmin') return isAdmin(r);
          if (path === 'isMfaCapable') return r.isMfaCapable ?? r.isMfaRegistered;
          return r[path];
        },
        project: (r) => registrationView(r, isAdmin(r)),
      });
    },
  },
  {
    method: 'GET', path: `${PATH}/{id}`, permissions: [PERMISSION.registrationReport], licence: 'premiumReport',
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const row = ctx.sim.state.registration(id);
      if (!row) throw resourceNotFound(id);
      return ctx.entity(CONTEXT, registrationView(row, ctx.sim.state.directAdminUserIds().has(row.id.toLowerCase())));
    },
  },
];
