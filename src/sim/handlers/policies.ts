/** Security defaults (docs/graph-notes.md, "Security defaults") and authentication strength policies. */
import { SECURITY_DEFAULTS_POLICY_ID } from '../defaults';
import { evolve, LATE_MEMBERS, wantsLateMembers } from '../enums';
import { badRequest, resourceNotFound } from '../errors';
import { fields } from '../odata/filter';
import { PERMISSION } from '../permissions';
import type { HandlerContext, Route } from '../router';
import { isRecord, type JsonObject } from '../util';

const DEFAULTS_PATH = '/policies/identitySecurityDefaultsEnforcementPolicy';
const STRENGTHS_PATH = '/policies/authenticationStrengthPolicies';

/** An authentication strength as served: late authentication modes hidden unless asked for. */
function strengthView(ctx: HandlerContext, s: JsonObject): JsonObject {
  return { ...s, allowedCombinations: evolve(s.allowedCombinations, LATE_MEMBERS.authenticationMethodModes, wantsLateMembers(ctx.req.headers)) };
}

function securityDefaultsView(ctx: HandlerContext): JsonObject {
  return {
    id: SECURITY_DEFAULTS_POLICY_ID,
    displayName: 'Security Defaults',
    description: 'Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.',
    ...ctx.sim.state.tenant.identitySecurityDefaultsEnforcementPolicy,
  };
}

export const policyRoutes: Route[] = [
  {
    method: 'GET', path: DEFAULTS_PATH, permissions: [PERMISSION.securityDefaultsRead], options: ['$select'],
    handle: (ctx) => ctx.entity('policies/identitySecurityDefaultsEnforcementPolicy', securityDefaultsView(ctx)),
  },
  {
    method: 'PATCH', path: DEFAULTS_PATH, permissions: [PERMISSION.securityDefaultsWrite],
    handle: (ctx) => {
      const body = ctx.req.body;
      if (!isRecord(body) || typeof body.isEnabled !== 'boolean' || Object.keys(body).some((k) => k !== 'isEnabled')) {
        throw badRequest("The request body must be {\"isEnabled\": true|false}.");
      }
      ctx.sim.state.tenant.identitySecurityDefaultsEnforcementPolicy.isEnabled = body.isEnabled;
      return { status: 204 };
    },
  },
  {
    method: 'GET', path: STRENGTHS_PATH, permissions: [PERMISSION.authenticationStrengths],
    options: ['$filter', '$select', '$skiptoken', '$count'],
    handle: (ctx) => ctx.page(ctx.sim.state.tenant.authenticationStrengthPolicies, {
      context: 'policies/authenticationStrengthPolicies', maxTop: 999,
      filter: { ...fields('string', ['eq'], 'policyType', 'requirementsSatisfied', 'id') },
      project: (s) => strengthView(ctx, s),
    }),
  },
  {
    method: 'GET', path: `${STRENGTHS_PATH}/{id}`, permissions: [PERMISSION.authenticationStrengths], options: ['$select'],
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const strength = ctx.sim.state.tenant.authenticationStrengthPolicies.find((s) => s.id.toLowerCase() === id.toLowerCase());
      if (!strength) throw resourceNotFound(id);
      return ctx.entity('policies/authenticationStrengthPolicies', strengthView(ctx, strength));
    },
  },
];
