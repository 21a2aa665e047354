/**
 * Unified RBAC for the directory: role definitions, active assignments and PIM eligibility
 * (schedules and the instances in force now), with `$expand=principal` / `roleDefinition`.
 */
import { badRequest, resourceNotFound } from '../errors';
import type { FixtureRoleAssignment, FixtureRoleEligibility } from '../fixture';
import { equalityValues, fields, type FilterSpec } from '../odata/filter';
import { PERMISSION } from '../permissions';
import type { HandlerContext, Route } from '../router';
import type { JsonObject } from '../util';
import { principalView } from '../views';

const LIST = ['$filter', '$select', '$top', '$count', '$expand', '$skiptoken'] as const;
const MAX_TOP = 100;
/**
 * Role assignments: Microsoft documents `$filter`, `$expand` and `$select` here
 * (learn.microsoft.com/graph/api/rbacapplication-list-roleassignments), while public tools send
 * `$top=999`; the simulator honours it as directory lists do (and refuses it under the
 * `assignments-top-400` fault, the other reading). Without `$top` pages hold 100.
 */
const ASSIGNMENTS_MAX_TOP = 999;
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
    const def = ctx.sim.state.tenant.roleDefinitions.find((d) => d.id.toLowerCase() === grant.roleDefinitionId.toLowerCase());
    served.roleDefinition = def ? { ...def } : null;
  }
  return served;
}

function assignmentView(a: FixtureRoleAssignment): JsonObject {
  return { appScopeId: null, ...a };
}

/** Milliseconds in an ISO-8601 duration (years and months at their average length). */
function durationMs(text: string): number {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m) return Number.NaN;
  const [y, mo, w, d, h, mi, sec] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number, number];
  const day = 86_400_000;
  return y * 365.25 * day + mo * 30.44 * day + w * 7 * day + d * day + h * 3_600_000 + mi * 60_000 + sec * 1000;
}

/**
 * When an eligibility starts and ends, from whichever shape the fixture used: the instance's
 * top-level `startDateTime`/`endDateTime`, or the schedule's `scheduleInfo` (an end date, or a
 * duration from the start). A null end is permanent.
 */
function eligibilityWindow(s: FixtureRoleEligibility): { start: string; end: string | null } {
  const info = s.scheduleInfo ?? null;
  const start = s.startDateTime ?? info?.startDateTime ?? DEFAULT_START;
  const permanent = info?.expiration?.type === 'noExpiration';
  let end = s.endDateTime ?? (permanent ? null : info?.expiration?.endDateTime ?? null);
  const length = info?.expiration?.duration;
  if (end === null && !permanent && length) {
    const ms = durationMs(length);
    if (Number.isFinite(ms)) end = new Date(Date.parse(start) + ms).toISOString();
  }
  return { start, end };
}

/** Whether an eligibility is in force at `now` (ms): what roleEligibilityScheduleInstances lists. */
export function inForce(s: FixtureRoleEligibility, now: number): boolean {
  const span = eligibilityWindow(s);
  const start = Date.parse(span.start);
  const end = span.end ? Date.parse(span.end) : Number.POSITIVE_INFINITY;
  return start <= now && now < end;
}

function instanceView(s: FixtureRoleEligibility): JsonObject {
  const span = eligibilityWindow(s);
  return {
    id: s.id,
    principalId: s.principalId,
    roleDefinitionId: s.roleDefinitionId,
    directoryScopeId: s.directoryScopeId,
    appScopeId: null,
    startDateTime: span.start,
    endDateTime: span.end,
    memberType: s.memberType ?? 'Direct',
    roleEligibilityScheduleId: s.id,
  };
}

function scheduleView(s: FixtureRoleEligibility): JsonObject {
  const { start, end } = eligibilityWindow(s);
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
      expiration: end
        ? { type: 'afterDateTime', endDateTime: end, duration: null }
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
    method: 'GET', path: `/${BASE}/roleDefinitions`, permissions: [PERMISSION.roleDefinitions],
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
    method: 'GET', path: `/${BASE}/roleDefinitions/{id}`, permissions: [PERMISSION.roleDefinitions], options: ['$select'],
    handle: (ctx) => {
      const id = ctx.params.id ?? '';
      const def = ctx.sim.state.tenant.roleDefinitions.find((d) => d.id.toLowerCase() === id.toLowerCase());
      if (!def) throw resourceNotFound(id);
      return ctx.entity(`${BASE}/roleDefinitions`, { ...def });
    },
  },
  {
    method: 'GET', path: `/${BASE}/roleAssignments`, permissions: [PERMISSION.roleAssignments], options: LIST,
    handle: (ctx) => {
      const expand = expansions(ctx);
      // `in` and `$expand=principal` are each documented here; together they are not (the other reading).
      if (ctx.sim.graphFaults.has('assignments-in-expand-400') && (ctx.query.expand ?? []).length > 0 && /\sin\s*\(/i.test(ctx.query.filter ?? '')) {
        ctx.sim.graphFaults.fired('assignments-in-expand-400');
        throw badRequest("Invalid filter clause: the 'in' operator cannot be combined with $expand on this request.", 'Request_UnsupportedQuery');
      }
      if (ctx.query.top !== undefined && ctx.sim.graphFaults.has('assignments-top-400')) {
        ctx.sim.graphFaults.fired('assignments-top-400');
        throw badRequest('This resource does not support custom page sizes. Please retry without a page size argument.', 'Request_UnsupportedQuery');
      }
      return ctx.page(ctx.sim.state.assignmentsOfRoles(equalityValues(ctx.query.filter, 'roleDefinitionId')), {
        context: `${BASE}/roleAssignments`, maxTop: ASSIGNMENTS_MAX_TOP, filter: ASSIGNMENT_FILTER,
        project: (a) => withExpansions(ctx, expand, a, assignmentView(a)),
        keepOnSelect: EXPANDABLE,
      });
    },
  },
  eligibilityRoute(`/${BASE}/roleEligibilityScheduleInstances`, `${BASE}/roleEligibilityScheduleInstances`, true, instanceView),
  eligibilityRoute(`/${BASE}/roleEligibilitySchedules`, `${BASE}/roleEligibilitySchedules`, false, scheduleView),
];
