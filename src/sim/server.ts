/**
 * The simulated tenant: a Graph-compatible HTTP server on loopback (plain `node:http`) serving a
 * tenant fixture under `/v1.0` and `/beta`, with Graph's paging, errors, permissions, licences,
 * throttling and batching, plus control endpoints under `/_sim` (README, "Tenant fixtures").
 */
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { handleControl, type SimRequest, type SimTiming } from './control';
import { errorBody, GraphError } from './errors';
import { FaultInjector, GraphFaults, type Fault, type GraphFaultName } from './faults';
import { SimIdentity, type Caller } from './identity';
import type { TenantFixture } from './fixture';
import { createRouter } from './handlers';
import { normalisePolicy } from './conditionalAccess';
import { MFABOT_TEAMS_APP_EXTERNAL_ID } from './defaults';
import { withPimDefaults } from './pim';
import { Grants } from './permissions';
import { splitTarget, type AppInstalledHook, type GraphRequest, type GraphResponse, type SimContext } from './router';
import { TenantState } from './state';
import { cloneJson, newGuid, sleep } from './util';

export type { SimRequest, SimTiming } from './control';
export type { Fault, GraphFaultName } from './faults';
export { GRAPH_FAULTS, GRAPH_FAULT_NAMES, isGraphFaultName } from './faults';
export { SIM_PERMISSIONS } from './handlers';

/** The subset of a pino logger the simulator uses. */
export interface SimLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SimulatorOptions {
  /** Copied: the simulator never mutates the caller's object (unless `adoptTenant`). */
  tenant: TenantFixture;
  /**
   * The caller hands `tenant` over: the simulator serves and changes that very object instead of a
   * copy. A generated tenant of a million users is then served without a copy that would take
   * seconds and as much memory again.
   */
  adoptTenant?: boolean;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only. */
  host?: '127.0.0.1';
  /** Added before every Graph request is answered (not `/_sim`). */
  latencyMs?: number;
  /** Caps every page, whatever `$top` says (tests use small values to force paging). */
  maxPageSize?: number;
  /** Page size when the request has no `$top` (default 100). */
  defaultPageSize?: number;
  /** Application permissions the calling app holds (default 'all'). */
  grantedPermissions?: readonly string[] | 'all';
  /** Named Graph behaviours to switch on (`mfabot sim --fault`; src/sim/faults.ts). */
  graphFaults?: readonly GraphFaultName[];
  /**
   * Manifest id of the calling app's own Teams app (default: the one the simulated tenants give
   * MfaBot): with TeamsAppInstallation.ReadWriteSelfForUser.All only this app can be installed.
   */
  ownTeamsAppExternalId?: string;
  logger?: SimLogger;
  /** Told when an app is installed for a user through Graph. */
  onAppInstalled?: AppInstalledHook;
  /** Clock (eligibility in force, timestamps); defaults to the real one. */
  now?: () => Date;
}

export interface Simulator {
  /** e.g. http://127.0.0.1:3979 */
  url: string;
  /** url + '/v1.0' */
  graphUrl: string;
  /** The live tenant: writes through Graph change it, and tests may change it directly. */
  state: TenantFixture;
  /** Served Graph requests, oldest first. */
  requests(): SimRequest[];
  /** The same requests with when they arrived, when they were answered and the simulator's own share. */
  timeline(): SimTiming[];
  /** Forgets the requests and their timeline. */
  clearRequests(): void;
  inject(fault: Fault): void;
  clearFaults(): void;
  /** How many answers each named fault (`graphFaults`) changed so far. */
  graphFaultsFired(): Partial<Record<GraphFaultName, number>>;
  /** Arms the `-once` faults again and clears the counts (after a warm-up, say). */
  rearmGraphFaults(): void;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const VERSION = /^\/(v1\.0|beta)(?=\/|\?|$)/i;

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new GraphError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  const all: Record<string, string> = { ...headers };
  if (body !== undefined) all['Content-Type'] = JSON_TYPE;
  all['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(status, all);
  res.end(text);
}

/** The simulator's state and everything a request is served with. */
function createContext(opts: SimulatorOptions) {
  const tenant = opts.adoptTenant ? opts.tenant : cloneJson(opts.tenant);
  const state = new TenantState(tenant);
  tenant.conditionalAccessPolicies = tenant.conditionalAccessPolicies.map((p) => normalisePolicy(p, state));
  withPimDefaults(tenant);
  const closing = new AbortController();
  // Every request waiting out latencyMs listens for the close; hundreds can wait at once.
  setMaxListeners(0, closing.signal);
  const router = createRouter();
  const now = opts.now ?? (() => new Date());
  const sim: SimContext = {
    state,
    grants: new Grants(opts.grantedPermissions ?? 'all'),
    limits: { defaultPageSize: opts.defaultPageSize ?? 100, maxPageSize: opts.maxPageSize },
    faults: new FaultInjector(),
    graphFaults: new GraphFaults(opts.graphFaults ?? []),
    ownTeamsAppExternalId: opts.ownTeamsAppExternalId ?? MFABOT_TEAMS_APP_EXTERNAL_ID,
    signal: closing.signal,
    now,
    identity: new SimIdentity(tenant.organization.id, now),
    dispatch: (req) => router.dispatch(req, sim),
    onAppInstalled: opts.onAppInstalled,
  };
  // Wall-clock milliseconds (to 0.1 ms), comparable with the clients' own clocks on the same machine.
  const clock = (): number => Math.round((performance.timeOrigin + performance.now()) * 10) / 10;
  return { tenant, sim, router, closing, log: [] as SimRequest[], timeline: [] as SimTiming[], clock, opts };
}

type Context = ReturnType<typeof createContext>;

/**
 * Graph refuses a request without a valid bearer token before anything else. A token the simulated
 * identity provider signed for Graph is a user's (delegated); any other bearer token is the app's.
 */
function authenticate(headers: Record<string, string>, identity: SimIdentity): Caller {
  const auth = headers.authorization ?? '';
  const challenge = { 'WWW-Authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"' };
  if (!/^Bearer\s+\S+/i.test(auth)) {
    throw new GraphError(401, 'InvalidAuthenticationToken', auth.trim() === '' ? 'Access token is empty.' : 'CompactToken parsing failed with error code: 80049217', challenge);
  }
  const caller = identity.caller(auth);
  if (caller.kind === 'invalid') throw new GraphError(401, 'InvalidAuthenticationToken', caller.reason, challenge);
  return caller;
}

interface Served {
  path: string;
  response: GraphResponse;
  graphReq: GraphRequest;
  /** When the added latency was over and the simulator's own work began. */
  workFrom: number;
}

/** One Graph request (below `/v1.0` or `/beta`): parsed, delayed by the latency, authenticated, routed. */
async function serveGraph(ctx: Context, req: IncomingMessage, target: string, version: string): Promise<Served> {
  const headers = headerMap(req);
  const requestId = newGuid();
  const base = {
    method: (req.method ?? 'GET').toUpperCase(), version, headers, body: undefined as unknown,
    origin: `http://${headers.host ?? `127.0.0.1`}`, requestId, clientRequestId: headers['client-request-id'] ?? requestId,
    rawPath: target, rawQuery: '', path: target,
  };
  try {
    const graphReq: GraphRequest = { ...base, ...splitTarget(target) };
    graphReq.body = parseJson(await readBody(req));
    await sleep(ctx.opts.latencyMs ?? 0, ctx.closing.signal);
    const workFrom = ctx.clock();
    graphReq.caller = authenticate(headers, ctx.sim.identity);
    return { path: graphReq.path, response: await ctx.router.dispatch(graphReq, ctx.sim), graphReq, workFrom };
  } catch (err) {
    return { path: base.path.split('?')[0] ?? base.path, response: ctx.router.errorResponse(err, base, ctx.sim), graphReq: base, workFrom: ctx.clock() };
  }
}

/** The simulator's own endpoints under `/_sim` (README, "Tenant fixtures"). */
async function serveControl(ctx: Context, req: IncomingMessage, res: ServerResponse, target: string, method: string): Promise<void> {
  const { path } = splitTarget(target.slice('/_sim'.length));
  if (path.startsWith('/idp/')) {
    // Injected faults reach the identity provider too (an expired secret, an outage), matched on /_sim/idp/...
    const fault = ctx.sim.faults.take(method, `/_sim${path}`, '');
    if (fault) await sleep(fault.delayMs ?? 0);
    if (fault && fault.status >= 400) {
      send(res, fault.status, {}, fault.body ?? { error: 'temporarily_unavailable', error_description: `AADSTS90000: simulated failure ${fault.status}.` });
      return;
    }
    // The token endpoint takes a form, as Entra's does.
    const out = ctx.sim.identity.handle(method, path.slice('/idp'.length), await readBody(req), `http://${req.headers.host ?? '127.0.0.1'}`);
    send(res, out.status, {}, out.body);
    return;
  }
  let body: unknown;
  try {
    body = parseJson(await readBody(req));
  } catch {
    send(res, 400, {}, { error: { code: 'BadRequest', message: 'Invalid JSON body.' } });
    return;
  }
  const { state, faults, grants, now } = ctx.sim;
  const out = handleControl(method, path || '/', body, { state, faults, log: ctx.log, timeline: ctx.timeline, grants, now, identity: ctx.sim.identity });
  send(res, out.status, {}, out.body);
}

async function serve(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? '/';
  const method = (req.method ?? 'GET').toUpperCase();
  if (/^\/_sim(\/|\?|$)/.test(target)) return serveControl(ctx, req, res, target, method);
  const version = VERSION.exec(target);
  if (!version?.[1]) {
    const id = newGuid();
    send(res, 400, { 'request-id': id, 'client-request-id': id }, errorBody('BadRequest', `Invalid version: ${target.split(/[/?]/)[1] ?? ''}`, id, id, ctx.sim.now()));
    return;
  }
  const v = version[1].toLowerCase();
  const startMs = ctx.clock();
  const { path, response, graphReq, workFrom } = await serveGraph(ctx, req, target.slice(version[0].length) || '/', v);
  const entry: SimRequest = { method, path: `/${v}${path}`, status: response.status };
  if (response.batch !== undefined) entry.batch = response.batch;
  ctx.log.push(entry);
  ctx.opts.logger?.debug({ ...entry, requestId: graphReq.requestId }, 'simulated Graph request');
  send(res, response.status, { 'request-id': graphReq.requestId, 'client-request-id': graphReq.clientRequestId, ...response.headers }, response.body);
  const endMs = ctx.clock();
  ctx.timeline.push({ ...entry, startMs, endMs, handledMs: Math.round((endMs - workFrom) * 10) / 10, ...(response.items ? { items: response.items } : {}) });
}

/** Starts the simulator on loopback. */
export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const ctx = createContext(opts);
  const { sim, log, timeline, closing, tenant } = ctx;
  const faults = sim.faults;
  const server = createServer((req, res) => {
    serve(ctx, req, res).catch((err: unknown) => {
      opts.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'simulator failed to answer');
      send(res, 500, {}, { error: { code: 'generalException', message: 'Simulator failure.' } });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    graphUrl: `${url}/v1.0`,
    state: tenant,
    requests: () => log.map((e) => ({ ...e })),
    timeline: () => timeline.map((e) => ({ ...e })),
    clearRequests: () => {
      log.length = 0;
      timeline.length = 0;
    },
    inject: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    graphFaultsFired: () => sim.graphFaults.firedCounts(),
    rearmGraphFaults: () => sim.graphFaults.rearm(),
    close: () => new Promise<void>((resolve) => {
      closing.abort();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
