/**
 * The authentication methods registration report: one row per enabled user
 * (learn.microsoft.com/graph/api/authenticationmethodsroot-list-userregistrationdetails).
 */
import { badRequest, nonPremiumTenant, resourceNotFound } from '../errors';
import type { FixtureRegistration } from '../fixture';
import { equalityValues, fields, type FilterSpec } from '../odata/filter';
import { PERMISSION } from '../permissions';
import type { HandlerContext, Route } from '../router';
import { registrationSelected, registrationView } from '../views';

const PATH = '/reports/authenticationMethods/userRegistrationDetails';
const CONTEXT = 'reports/authenticationMethods/userRegistrationDetails';

const FILTER: FilterSpec = {
  ...fields('string', ['eq', 'in'], 'id'),
  ...fields('boolean', ['eq'], 'isAdmin', 'isMfaRegistered', 'isMfaCapable', 'isSsprRegistered', 'isSsprEnabled',
    'isSsprCapable', 'isPasswordlessCapable', 'isSystemPreferredAuthenticationMethodEnabled'),
  ...fields('string', ['eq'], 'userType'),
  ...fields('string', ['eq', 'startswith'], 'userPrincipalName', 'userDisplayName'),
  methodsRegistered: { type: 'string', ops: ['any'] },
  'methodsRegistered/$it': { type: 'string', ops: ['eq'] },
};

/**
 * The other readings of the report's query support (`registration-filter-400`): `isAdmin` is not
 * documented as filterable, nor `$select` and `$top` as supported; and the report's intermittent
 * 403 on premium tenants (`licence-403-once`).
 */
function applyFaults(ctx: HandlerContext): void {
  const faults = ctx.sim.graphFaults;
  if (faults.has('registration-filter-400')) {
    const refused = ctx.query.select ? "Query option '$select' is not supported by this request."
      : ctx.query.top !== undefined ? "Query option '$top' is not supported by this request."
        : ctx.query.filter && /\bisAdmin\b/i.test(ctx.query.filter) ? "Invalid filter clause: filtering on 'isAdmin' is not supported" : null;
    if (refused) {
      faults.fired('registration-filter-400');
      throw badRequest(refused);
    }
  }
  if (ctx.sim.state.licence() !== 'free' && faults.once('licence-403-once')) throw nonPremiumTenant();
}

/** A filter that lists only the rows `isAdmin` marks. */
const ADMINS_ONLY = /^\s*isAdmin\s+eq\s+true\s*$/i;

export const registrationRoutes: Route[] = [
  {
    method: 'GET', path: PATH, permissions: [PERMISSION.registrationReport], licence: 'premiumReport',
    options: ['$filter', '$select', '$top', '$count', '$orderby', '$skiptoken'],
    handle: (ctx) => {
      applyFaults(ctx);
      const admins = ctx.sim.state.directAdminUserIds();
      const { select } = ctx.query;
      const isAdmin = (r: FixtureRegistration): boolean => admins.has(r.id.toLowerCase());
      // Rows named by id, or the admins', come from an index, not a scan of every row on every page
      // (the filter still runs over them: same answer, far less work).
      const named = equalityValues(ctx.query.filter, 'id');
      const rows = named
        ? named.flatMap((id) => ctx.sim.state.registration(id) ?? [])
        : ADMINS_ONLY.test(ctx.query.filter ?? '') ? ctx.sim.state.adminRegistrations() : ctx.sim.state.tenant.userRegistrationDetails;
      return ctx.page(rows, {
        context: CONTEXT, maxTop: 999, filter: FILTER, orderBy: ['userPrincipalName', 'userDisplayName'],
        resolve: (r, path) => {
          if (path === 'isAdmin') return isAdmin(r);
          if (path === 'isMfaCapable') return r.isMfaCapable ?? r.isMfaRegistered;
          return r[path];
        },
        project: (r) => (select ? registrationSelected(r, isAdmin(r), select) : registrationView(r, isAdmin(r))),
      });
    },
  },
  {
    method: 'GET', path: `${PATH}/{id}`, permissions: [PERMISSION.registrationReport], licence: 'premiumReport',
    handle: (ctx) => {
      applyFaults(ctx);
      const id = ctx.params.id ?? '';
      const row = ctx.sim.state.registration(id);
      if (!row) throw resourceNotFound(id);
      return ctx.entity(CONTEXT, registrationView(row, ctx.sim.state.directAdminUserIds().has(row.id.toLowerCase())));
    },
  },
];
