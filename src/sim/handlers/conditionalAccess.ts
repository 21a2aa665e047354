/**
 * Conditional Access policies: list, read, create, update, delete
 * (learn.microsoft.com/graph/api/resources/conditionalaccesspolicy).
 */
import { mergePatch, normalisePolicy, validatePolicy } from '../conditionalAccess';
import { servedPolicy, wantsLateMembers } from '../enums';
import { badRequest, GraphError } from '../errors';
import type { FixturePolicy } from '../fixture';
import { fields } from '../odata/filter';
import { PERMISSION } from '../permissions';
import type { DelegatedRequirement, HandlerContext, Route } from '../router';
import { ROLE } from '../../domain/roles';
import { isRecord, newGuid, type JsonObject } from '../util';

const PATH = '/identity/conditionalAccess/policies';
const CONTEXT = 'identity/conditionalAccess/policies';
/** Writing needs the ReadWrite scope together with Policy.Read.All (docs/graph-notes.md, "Conditional Access"). */
const WRITE = [PERMISSION.conditionalAccessWrite, PERMISSION.conditionalAccessRead];
/**
 * With a user's own token: the same two scopes, and a directory role that may manage Conditional
 * Access (learn.microsoft.com/graph/api/conditionalaccessroot-post-policies).
 */
const DELEGATED_WRITE: DelegatedRequirement = {
  scopes: [['Policy.ReadWrite.ConditionalAccess'], ['Policy.Read.All']],
  roles: [ROLE.conditionalAccessAdministrator, ROLE.securityAdministrator, ROLE.globalAdministrator],
};

function requirePolicy(ctx: HandlerContext): FixturePolicy {
  const id = ctx.params.id ?? '';
  const policy = ctx.sim.state.policy(id);
  if (!policy) throw new GraphError(404, 'ResourceNotFound', `Conditional Access policy '${id}' was not found.`);
  return policy;
}

function requireBody(ctx: HandlerContext): JsonObject {
  if (!isRecord(ctx.req.body)) throw badRequest('The request body must be a JSON object.');
  return ctx.req.body;
}

/** Graph refuses to enable CA while security defaults are on (docs/graph-notes.md, "Conditional Access"). */
function refuseWhileSecurityDefaults(ctx: HandlerContext, state: unknown): void {
  if (state === 'enabled' && ctx.sim.state.tenant.identitySecurityDefaultsEnforcementPolicy.isEnabled) {
    throw badRequest('Security Defaults is enabled in the tenant. You must disable Security defaults before enabling a Conditional Access policy.');
  }
}

function stamp(ctx: HandlerContext): string {
  return ctx.sim.now().toISOString();
}

/** Named locations (learn.microsoft.com/graph/api/conditionalaccessroot-list-namedlocations): every item typed, as the collection is polymorphic. */
const NAMED_LOCATIONS = '/identity/conditionalAccess/namedLocations';

export const conditionalAccessRoutes: Route[] = [
  {
    method: 'GET', path: NAMED_LOCATIONS, permissions: [PERMISSION.namedLocations], options: ['$filter', '$select', '$top', '$skiptoken', '$count'],
    handle: (ctx) => ctx.page(ctx.sim.state.tenant.namedLocations, {
      context: 'identity/conditionalAccess/namedLocations', maxTop: 100,
      filter: { ...fields('string', ['eq', 'in'], 'id'), ...fields('string', ['eq', 'startswith'], 'displayName') },
      project: (l) => ({ createdDateTime: null, modifiedDateTime: null, ...l }),
    }),
  },
  {
    method: 'GET', path: PATH, permissions: [PERMISSION.conditionalAccessRead], options: ['$filter', '$select', '$top', '$skiptoken', '$count'],
    handle: (ctx) => ctx.page(ctx.sim.state.tenant.conditionalAccessPolicies, {
      context: CONTEXT, maxTop: 100,
      filter: { ...fields('string', ['eq', 'in'], 'id', 'state'), ...fields('string', ['eq', 'startswith'], 'displayName') },
      project: (p) => servedPolicy({ ...p }, wantsLateMembers(ctx.req.headers)),
    }),
  },
  {
    method: 'GET', path: `${PATH}/{id}`, permissions: [PERMISSION.conditionalAccessRead], options: ['$select'],
    handle: (ctx) => ctx.entity(CONTEXT, servedPolicy({ ...requirePolicy(ctx) }, wantsLateMembers(ctx.req.headers))),
  },
  {
    method: 'POST', path: PATH, permissions: WRITE, delegated: DELEGATED_WRITE, licence: 'conditionalAccessWrite',
    handle: (ctx) => {
      const body = requireBody(ctx);
      validatePolicy(body, ctx.sim.state);
      refuseWhileSecurityDefaults(ctx, body.state);
      const policy = normalisePolicy({ ...body, id: newGuid(), createdDateTime: stamp(ctx), modifiedDateTime: null }, ctx.sim.state);
      ctx.sim.state.tenant.conditionalAccessPolicies.push(policy);
      const served = ctx.entity(CONTEXT, servedPolicy({ ...policy }, wantsLateMembers(ctx.req.headers)));
      return { ...served, status: 201, headers: { Location: `${ctx.req.origin}/${ctx.req.version}${PATH}/${policy.id}` } };
    },
  },
  {
    method: 'PATCH', path: `${PATH}/{id}`, permissions: WRITE, delegated: DELEGATED_WRITE, licence: 'conditionalAccessWrite',
    handle: (ctx) => {
      const current = requirePolicy(ctx);
      const patch = requireBody(ctx);
      const merged = mergePatch(current, patch);
      validatePolicy(merged, ctx.sim.state);
      refuseWhileSecurityDefaults(ctx, patch.state);
      const updated = normalisePolicy({ ...merged, id: current.id, createdDateTime: current.createdDateTime, modifiedDateTime: stamp(ctx) }, ctx.sim.state);
      const list = ctx.sim.state.tenant.conditionalAccessPolicies;
      list[list.indexOf(current)] = updated;
      return { status: 204 };
    },
  },
  {
    method: 'DELETE', path: `${PATH}/{id}`, permissions: WRITE, delegated: DELEGATED_WRITE, licence: 'conditionalAccessWrite',
    handle: (ctx) => {
      const current = requirePolicy(ctx);
      const list = ctx.sim.state.tenant.conditionalAccessPolicies;
      list.splice(list.indexOf(current), 1);
      return { status: 204 };
    },
  },
];
