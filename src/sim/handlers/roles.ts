/**
 * Unified RBAC for the directory: role definitions, active assignments and PIM eligibility
 * (schedules and the instances in force now), with `$expand=principal` / `roleDefinition`.
 */
import { badRequest, resourceNotFound } from '../errors';
import type { FixtureRoleAssignment, FixtureRoleEligibility } from '../fixture';
import { fields, type FilterSpec } from '../odata/filter';
import { PERMISSION } from '../permissions';
import type { HandlerContext, Route } from '../router';
import type { JsonObject } from '../util';
import { principalView } from '../views';

const LIST = ['$filter', '$select', '$top', '$count', '$expand', '$skiptoken'] as const;
const MAX_TOP = 100;
const EXPANDABLE = ['principal', 'roleDefinition'];
const BASE = 'roleManagement/directory';
/** When a fixture gives no start, eligibility has been in force "for a while". */
const DEFAULT_START = '2025-01-01T00:00:00Z';

const ASSIGNMENT_FILTER: FilterSpec = {
  ...fields('string', ['eq', 'in'], 'roleDefinitionId', 'principalId', 'directoryScopeId', 'id'),
  ...fields('string', ['eq'], 'appScopeId'),
};

const ELIGIBILITY_FILTER: FilterSpec = {
  ...fields('string', ['eq', 'ne', 'in'], 'roleDefinitionId', 'principalId', 'directoryScopeId', 'memberType'),
  ...fields('string', ['eq', 'ne'], 'appScopeId', 'roleEligibilityScheduleId', 'id'),
};

/** The expansions requested; Graph rejects unknown ones and (reportedly) two at once. */
function expansions(ctx: HandlerContext): { principal: boolean; roleDefinition: boolean } {
  const names = (ctx.query.expand ?? []).map((n) => n.toLowerCase());
  for (const n of names) {
    if (!EXPANDABLE.map((e) => e.toLowerCase()).includes(n)) {
      throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${n}' on type 'microsoft.graph.unifiedRoleAssignment'.`);
    }
  }
  if (names.length > 1) throw badRequest('Only one navigation property can be expanded per request.');
  return { principal: names.includes('principal'), roleDefinition: names.includes('roledefinition') };
}

type Expansions = ReturnType<typeof expansions>;

/** Adds the requested navigation properties to a served grant. */
function withExpansions(ctx: HandlerContext, expand: Expansions, grant: { principalId: string; roleDefinitionId: string }, served: JsonObject): JsonObject {
  if (expand.principal) served.principal = principalView(ctx.sim.state.directoryObject(grant.principalId), ctx.sim.grants);
  if (expand.roleDefinition) {
    const def = ctx.sim.state.tenant.roleDefinitions.find((d) => d.id === grant.roleDefinitionId);
    served.roleDefinition = def ? { ...def } : null;
  }
  return served;
}

function assignmentView(a: FixtureRoleAssignment): JsonObject {
  return { appScopeId: null, ...a };
}

function inForce(s: FixtureRoleEligibility, now: number): boolean {
  const start = Date.parse(s.startDateTime ?? DEFAULT_START);
  const end = s.endDateTime ? Date.parse(s.endDateTime) : Number.POSITIVE_INFINITY;
  return start <= now && now < end;
}

function instanceView(s: FixtureRoleEligibility): JsonObject {
  return {
    id: s.id,
    principalId: s.principalId,
    roleDefinitionId: s.roleDefinitionId,
    directoryScopeId: s.directoryScopeId,
    appScopeId: null,
    startDateTime: s.startDateTime ?? DEFAULT_START,
    endDateTime: s.endDateTime ?? null,
    memberType: s.memberType ?? 'Direct',
    roleEligibilityScheduleId: s.id,
  };
}

function scheduleView(s: FixtureRoleEligibility): JsonObject {
  const start = s.startDateTime ?? DEFAULT_START;
  return {
    id: s.id,
    principalId: s.principalId,
    roleDefinitionId: s.roleDefinitionId,
    directoryScopeId: s.directoryScopeId,
    appScopeId: null,
    createdUsing: s.id,
    createdDateTime: start,
    modifiedDateTime: null,
    status: 'Provisioned',
    memberType: s.memberType ?? 'Direct',
    scheduleInfo: {
      startDateTime: start,
      recurrence: null,
      expiration: s.endDateTime
        ? { type: 'afterDateTime', endDateTime: s.endDateTime, duration: null }
        : { type: 'noExpiration', endDateTime: null, duration: null },
    },
  };
}

function eligibilityRoute(path: string, context: string, inForceOnly: boolean, view: (s: FixtureRoleEligibility) => JsonObject): Route {
  return {
    method: 'GET', path, permissions: [PERMISSION.roleEligibility], licence: 'pim', options: LIST,
    handle: (ctx) => {
      const expand = expansions(ctx);
      const now = ctx.sim.now().getTime();
      const all = ctx.sim.state.tenant.roleEligibilitySchedules;
      const items = inForceOnly ? all.filter((s) => inForce(s, now)) : all;
      return ctx.page(items, {
        context, maxTop: MAX_TOP, filter: ELIGIBILITY_FILTER,
        resolve: (s, p) => view(s)[p],
        project: (s) => withExpansions(ctx, expand, s, view(s)),
        keepOnSelect: EXPANDABLE,
      });
    },
  };
}

export const roleRoutes: Route[] = [
  {
    method: 'GET', path: `/${BASE}/roleDefinitions`, permissions: [PERMISSION.roleManagement],
    options: ['$filter', '$select', '$count', '$skiptoken'],
    handle: (ctx) => ctx.page(ctx.sim.state.tenant.roleDefinitions, {
      context: `${BASE}/roleDefinitions`, maxTop: 999,
      filter: {
        ...fields('boolean', ['eq'], 'isBuiltIn', 'isEnabled'),
        ...fields('string', ['eq', 'in'], 'id', 'templateId', 'displayName'),
      },
      project: (d) => ({ ...d }),
    }),
  },
  {
    method: 'GET', path: `/${BASE}/roleDefinitions/{id}`, permissions: [PERMISSION.roleManagement], options: ['$select'],
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const def = ctx.sim.state.tenant.roleDefinitions.find((d) => d.id.toLowerCase() === id.toLowerCase());
      if (!def) throw resourceNotFound(id);
      return ctx.entity(`${BASE}/roleDefinitions`, { ...def });
    },
  },
  {
    method: 'GET', path: `/${BASE}/roleAssignments`, permissions: [PERMISSION.roleManagement], options: LIST,
    handle: (ctx) => {
      const expand = expansions(ctx);
      return ctx.page(ctx.sim.state.tenant.roleAssignments, {
        context: `${BASE}/roleAssignments`, maxTop: MAX_TOP, filter: ASSIGNMENT_FILTER,
        project: (a) => withExpansions(ctx, expand, a, assignmentView(a)),
        keepOnSelect: EXPANDABLE,
      });
    },
  },
  eligibilityRoute(`/${BASE}/roleEligibilityScheduleInstances`, `${BASE}/roleEligibilityScheduleInstances`, true, instanceView),
  eligibilityRoute(`/${BASE}/roleEligibilitySchedules`, `${BASE}/roleEligibilitySchedules`, false, scheduleView),
];
