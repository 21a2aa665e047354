/**
 * The request pipeline shared by plain HTTP requests and `$batch` items:
 * fault → route (404/405) → permission (403) → licence → query options → handler.
 */
import { errorBody, GraphError, defaultFaultError, insufficientPrivileges, nonPremiumTenant } from './errors';
import type { FaultInjector, GraphFaults } from './faults';
import { parseQuery, pageCollection, entityBody, type CollectionSpec, type ODataQuery, type PagingLimits, type QueryOption } from './odata/query';
import { Grants, type PermissionRequirement } from './permissions';
import type { Caller, SimIdentity } from './identity';
import type { TenantState } from './state';
import { sleep, type JsonObject } from './util';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One Graph request, from the wire or from a `$batch` item. */
export interface GraphRequest {
  method: string;
  version: string;
  /** Decoded path without version and query, e.g. `/users/abc`. */
  path: string;
  /** The same path as received (percent-encoded), for nextLinks. */
  rawPath: string;
  rawQuery: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  body: unknown;
  origin: string;
  requestId: string;
  clientRequestId: string;
  /** Who calls: the app (application permissions) or a user (delegated scopes); the app when absent. */
  caller?: Caller;
}

export interface GraphResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; absent for 204 and empty 201. */
  body?: unknown;
  /** For the request log: number of inner requests of a `$batch`. */
  batch?: number;
  /** For the timeline: a `$batch`'s inner requests, `METHOD /path`. */
  items?: string[];
}

/** Called when an app is installed for a user (Teams would then message the bot). */
export type AppInstalledHook = (event: { userId: string; teamsAppId: string; installationId: string }) => void;

/** What every request can see: the tenant, grants, limits and the pipeline itself (for `$batch`). */
export interface SimContext {
  state: TenantState;
  /** The identity provider: who a token stands for, and the on-behalf-of exchange. */
  identity: SimIdentity;
  grants: Grants;
  limits: PagingLimits;
  faults: FaultInjector;
  /** The named Graph behaviours switched on (`mfabot sim --fault`). */
  graphFaults: GraphFaults;
  /**
   * Manifest id (`externalId` in the app catalog) of the calling app's own Teams app: the app whose
   * `webApplicationInfo` names the app registration the tokens are issued to.
   */
  ownTeamsAppExternalId: string;
  /** Aborts when the simulator closes, ending injected delays. */
  signal: AbortSignal;
  now(): Date;
  dispatch(req: GraphRequest): Promise<GraphResponse>;
  onAppInstalled?: AppInstalledHook;
}

export interface HandlerContext {
  req: GraphRequest;
  params: Readonly<Record<string, string>>;
  query: ODataQuery;
  sim: SimContext;
  /** 200 with a paged, filtered, projected collection. */
  page<T>(items: readonly T[], spec: CollectionSpec<T>): GraphResponse;
  /** 200 with one entity (honours `$select`). */
  entity(context: string, obj: JsonObject, keepOnSelect?: readonly string[]): GraphResponse;
}

/** Licence checks an endpoint needs (docs/permissions.md). */
export type LicenceGate = 'premiumReport' | 'pim' | 'conditionalAccessWrite';

export interface Route {
  method: HttpMethod;
  /** Path template without version: literal segments (case-insensitive) and `{param}`s. */
  path: string;
  permissions: PermissionRequirement;
  licence?: LicenceGate;
  /** System query options the endpoint accepts; any other `$option` is a 400. */
  options?: readonly QueryOption[];
  /** The 403 this service answers when the permission check fails (default: the directory's Authorization_RequestDenied). */
  denied?: (requirement: PermissionRequirement, grants: Grants) => GraphError;
  /**
   * What a user's own token needs here: delegated scopes, and one of these directory roles held
   * actively. Without it, a delegated call is refused (MfaBot calls this route as the app only).
   */
  delegated?: DelegatedRequirement;
  handle(ctx: HandlerContext): GraphResponse | Promise<GraphResponse>;
}

export interface DelegatedRequirement {
  scopes: PermissionRequirement;
  /** Role template ids; the user must hold one actively. */
  roles: readonly string[];
}

/**
 * The app needs the route's application permissions; a user needs its delegated scopes and, as Graph
 * enforces for delegated calls, a directory role that allows the operation.
 */
function authorise(route: Route, caller: Caller, sim: SimContext): void {
  if (caller.kind === 'app') {
    if (!sim.grants.satisfies(route.permissions)) throw route.denied?.(route.permissions, sim.grants) ?? insufficientPrivileges();
    return;
  }
  const delegated = route.delegated;
  const scopes = new Grants([...caller.scopes]);
  if (!delegated || !scopes.satisfies(delegated.scopes)) {
    throw new GraphError(403, 'Forbidden', 'Either the signed-in user does not have sufficient privileges, or the application lacks the required delegated permission (scope).');
  }
  const held = sim.state.activeRoleIds(caller.userId);
  if (delegated.roles.length > 0 && !delegated.roles.some((r) => held.has(r.toLowerCase()))) throw insufficientPrivileges();
}

interface CompiledRoute {
  route: Route;
  segments: string[];
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function segmentMatches(template: string, actual: string): boolean {
  return (template.startsWith('{') && template.endsWith('}')) || template.toLowerCase() === actual.toLowerCase();
}

function checkLicence(gate: LicenceGate | undefined, state: TenantState): void {
  if (!gate) return;
  const licence = state.licence();
  if (gate === 'premiumReport' && licence === 'free') throw nonPremiumTenant();
  if (gate === 'pim' && licence !== 'p2') {
    throw new GraphError(400, 'AadPremiumLicenseRequired',
      'The tenant needs Entra ID P2 or Entra ID Governance to use Privileged Identity Management (PIM).');
  }
  if (gate === 'conditionalAccessWrite' && licence === 'free') {
    throw new GraphError(403, 'AadPremiumLicenseRequired',
      'Conditional Access policies cannot be created or updated: the tenant needs Entra ID P1 or P2.');
  }
}

/** Serves Graph requests from a route table. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => ({ route, segments: splitPath(route.path) }));
  }

  /** Runs one request through the pipeline; never throws (errors become Graph error responses). */
  async dispatch(req: GraphRequest, sim: SimContext): Promise<GraphResponse> {
    try {
      const fault = sim.faults.take(req.method, req.path, req.rawQuery);
      if (fault) {
        await sleep(fault.delayMs ?? 0, sim.signal);
        if (fault.status >= 400) {
          const headers: Record<string, string> = {};
          if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
          const { code, message } = defaultFaultError(fault.status);
          const body = fault.body ?? errorBody(code, message, req.requestId, req.clientRequestId, sim.now());
          return { status: fault.status, headers, body };
        }
      }
      const { route, params } = this.match(req);
      authorise(route, req.caller ?? { kind: 'app' }, sim);
      checkLicence(route.licence, sim.state);
      const query = parseQuery(req.rawQuery, route.options ?? []);
      const ctx: HandlerContext = {
        req,
        params,
        query,
        sim,
        page: (items, spec) => ({ status: 200, body: pageCollection(items, spec, query, req, sim.limits) }),
        entity: (context, obj, keep) => ({ status: 200, body: entityBody(req, context, obj, query, keep) }),
      };
      return await route.handle(ctx);
    } catch (err) {
      return this.errorResponse(err, req, sim);
    }
  }

  /** Graph's error body for a thrown GraphError; anything else is a simulator bug, served as 500. */
  errorResponse(err: unknown, req: GraphRequest, sim: SimContext): GraphResponse {
    const e = err instanceof GraphError
      ? err
      : new GraphError(500, 'generalException', `Simulator error: ${err instanceof Error ? err.message : String(err)}`);
    return {
      status: e.status,
      headers: { ...e.headers },
      body: errorBody(e.code, e.message, req.requestId, req.clientRequestId, sim.now()),
    };
  }

  private match(req: GraphRequest): { route: Route; params: Record<string, string> } {
    const actual = splitPath(req.path);
    let pathKnown = false;
    for (const c of this.compiled) {
      if (c.segments.length !== actual.length) continue;
      if (!c.segments.every((s, i) => segmentMatches(s, actual[i] ?? ''))) continue;
      pathKnown = true;
      if (c.route.method !== req.method.toUpperCase()) continue;
      const params: Record<string, string> = {};
      c.segments.forEach((s, i) => {
        if (s.startsWith('{')) params[s.slice(1, -1)] = actual[i] ?? '';
      });
      return { route: c.route, params };
    }
    if (pathKnown) throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
    throw new GraphError(404, 'UnknownError', `Resource not found for the segment '${this.unknownSegment(actual)}'.`);
  }

  /** The first segment no route continues with, as Graph names it in its 404. */
  private unknownSegment(actual: string[]): string {
    for (let i = 0; i < actual.length; i++) {
      const continues = this.compiled.some((c) => c.segments.length > i
        && c.segments.slice(0, i + 1).every((s, j) => segmentMatches(s, actual[j] ?? '')));
      if (!continues) return actual[i] ?? '';
    }
    return actual[actual.length - 1] ?? '';
  }

  /** Permission requirement per `METHOD /path` (for tests and docs). */
  permissionTable(): Record<string, PermissionRequirement> {
    return Object.fromEntries(this.compiled.map((c) => [`${c.route.method} ${c.route.path}`, c.route.permissions]));
  }
}

/** Splits a request target (`/users/a%20b?$top=1`) into raw path, raw query and decoded path. */
export function splitTarget(target: string): { rawPath: string; rawQuery: string; path: string } {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? '' : target.slice(q + 1);
  let path: string;
  try {
    path = rawPath.split('/').map((s) => decodeURIComponent(s)).join('/');
  } catch {
    throw new GraphError(400, 'BadRequest', `The request URL '${rawPath}' is not correctly encoded.`);
  }
  return { rawPath, rawQuery, path };
}
