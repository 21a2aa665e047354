/**
 * Secure Score snapshots and control profiles (learn.microsoft.com/graph/api/resources/securescore),
 * and sign-in logs (learn.microsoft.com/graph/api/signin-list).
 */
import { evolve, LATE_MEMBERS, wantsLateMembers } from '../enums';
import { resourceNotFound } from '../errors';
import type { FixtureSignIn } from '../fixture';
import { fields, type FilterSpec } from '../odata/filter';
import { PERMISSION, VISIBILITY } from '../permissions';
import type { HandlerContext, Route } from '../router';
import type { JsonObject } from '../util';

const SIGN_IN_FILTER_V1: FilterSpec = {
  ...fields('datetime', ['eq', 'ge', 'gt', 'le', 'lt'], 'createdDateTime'),
  ...fields('string', ['eq', 'in'], 'userId', 'appId'),
  ...fields('string', ['eq', 'startswith'], 'userPrincipalName'),
  ...fields('string', ['eq', 'ne'], 'conditionalAccessStatus'),
  ...fields('number', ['eq', 'ne'], 'status/errorCode'),
};

/**
 * Filtering by the applied policies (`appliedConditionalAccessPolicies/any(…)`) is shown in
 * Microsoft's beta documentation only; v1.0 refuses it here, the strict reading.
 */
const SIGN_IN_FILTER_BETA: FilterSpec = {
  ...SIGN_IN_FILTER_V1,
  appliedConditionalAccessPolicies: { type: 'string', ops: ['any'] },
  ...fields('string', ['eq'], 'appliedConditionalAccessPolicies/id', 'appliedConditionalAccessPolicies/result'),
};


function newestFirst<T extends { createdDateTime: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => Date.parse(b.createdDateTime) - Date.parse(a.createdDateTime));
}

/**
 * A sign-in as served: without a policy-read permission Graph omits the applied policies, and
 * without `Prefer: include-unknown-enum-members` report-only results read `unknownFutureValue`.
 */
function signInView(ctx: HandlerContext, s: FixtureSignIn): JsonObject {
  const { appliedConditionalAccessPolicies, ...rest } = s;
  const view: JsonObject = { ...rest };
  if (ctx.sim.grants.hasAny(VISIBILITY.signInPolicyDetails)) {
    const include = wantsLateMembers(ctx.req.headers);
    view.appliedConditionalAccessPolicies = appliedConditionalAccessPolicies.map((p) => ({
      ...p,
      result: evolve(p.result, LATE_MEMBERS.appliedConditionalAccessPolicyResult, include),
    }));
  }
  return view;
}

export const securityRoutes: Route[] = [
  {
    method: 'GET', path: '/security/secureScores', permissions: [PERMISSION.secureScore],
    options: ['$top', '$select', '$count', '$skiptoken'],
    handle: (ctx) => ctx.page(newestFirst(ctx.sim.state.tenant.secureScores ?? []), {
      context: 'security/secureScores', maxTop: 999,
      project: (s) => ({ azureTenantId: ctx.sim.state.tenant.organization.id, ...s }),
    }),
  },
  {
    method: 'GET', path: '/security/secureScoreControlProfiles', permissions: [PERMISSION.secureScore],
    options: ['$top', '$select', '$count', '$skiptoken'],
    handle: (ctx) => ctx.page(ctx.sim.state.tenant.secureScoreControlProfiles ?? [], {
      context: 'security/secureScoreControlProfiles', maxTop: 999, project: (p) => ({ ...p }),
    }),
  },
  {
    method: 'GET', path: '/security/secureScoreControlProfiles/{id}', permissions: [PERMISSION.secureScore], options: ['$select'],
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const profile = (ctx.sim.state.tenant.secureScoreControlProfiles ?? []).find((p) => p.id.toLowerCase() === id.toLowerCase());
      if (!profile) throw resourceNotFound(id);
      return ctx.entity('security/secureScoreControlProfiles', { ...profile });
    },
  },
  {
    method: 'GET', path: '/auditLogs/signIns', permissions: [PERMISSION.signIns], licence: 'premiumReport',
    options: ['$filter', '$top', '$skiptoken', '$select'],
    handle: (ctx) => ctx.page(newestFirst(ctx.sim.state.tenant.signIns ?? []), {
      context: 'auditLogs/signIns', maxTop: 1000, filter: ctx.req.version === 'beta' ? SIGN_IN_FILTER_BETA : SIGN_IN_FILTER_V1,
      project: (s) => signInView(ctx, s),
    }),
  },
];
