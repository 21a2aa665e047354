/**
 * JSON batching (docs/graph-notes.md, "Batching and throttling"): up to 20 requests, unique ids, `dependsOn` (424 when a dependency
 * failed); each item runs through the same pipeline, so faults and permissions apply per item.
 */
import { badRequest, errorBody, GraphError } from '../errors';
import { splitTarget, type GraphRequest, type GraphResponse, type HandlerContext, type Route } from '../router';
import { isRecord, newGuid } from '../util';

export const BATCH_LIMIT = 20;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

function parseItem(raw: unknown, index: number): BatchItem {
  if (!isRecord(raw)) throw badRequest(`Invalid batch payload format: request ${index} is not an object.`);
  const { id, method, url, headers, body, dependsOn } = raw;
  if (typeof id !== 'string' || id === '') throw badRequest(`Invalid batch payload format: request ${index} has no 'id'.`);
  if (typeof method !== 'string' || method === '') throw badRequest(`Invalid batch payload format: request '${id}' has no 'method'.`);
  if (typeof url !== 'string' || url === '') throw badRequest(`Invalid batch payload format: request '${id}' has no 'url'.`);
  const lowered: Record<string, string> = {};
  if (headers !== undefined && headers !== null) {
    if (!isRecord(headers)) throw badRequest(`Invalid batch payload format: 'headers' of request '${id}' must be an object.`);
    for (const [k, v] of Object.entries(headers)) lowered[k.toLowerCase()] = String(v);
  }
  if (body !== undefined && !('content-type' in lowered)) {
    throw badRequest(`Invalid batch payload format: request '${id}' has a body but no Content-Type header.`);
  }
  let deps: string[] = [];
  if (dependsOn !== undefined) {
    if (!Array.isArray(dependsOn) || !dependsOn.every((d): d is string => typeof d === 'string')) {
      throw badRequest(`Invalid batch payload format: 'dependsOn' of request '${id}' must be an array of ids.`);
    }
    deps = dependsOn;
  }
  return { id, method: method.toUpperCase(), url, headers: lowered, body, dependsOn: deps };
}

function parseBatch(body: unknown): BatchItem[] {
  const requests = isRecord(body) ? body.requests : undefined;
  if (!Array.isArray(requests) || requests.length === 0) {
    throw badRequest("Invalid batch payload format: expected {\"requests\": [...]} with at least one request.");
  }
  if (requests.length > BATCH_LIMIT) {
    throw badRequest(`Invalid batch payload format: a batch may hold at most ${BATCH_LIMIT} requests (got ${requests.length}).`);
  }
  const items = requests.map(parseItem);
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.id)) throw badRequest(`Invalid batch payload format: the request id '${item.id}' is used more than once.`);
    ids.add(item.id);
  }
  const byId = new Map(items.map((i) => [i.id, i]));
  for (const item of items) {
    for (const dep of item.dependsOn) {
      if (!byId.has(dep)) throw badRequest(`Invalid batch payload format: request '${item.id}' depends on unknown request '${dep}'.`);
    }
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (item: BatchItem): void => {
    if (done.has(item.id)) return;
    if (visiting.has(item.id)) throw badRequest(`Invalid batch payload format: 'dependsOn' forms a cycle at request '${item.id}'.`);
    visiting.add(item.id);
    for (const dep of item.dependsOn) {
      const next = byId.get(dep);
      if (next) visit(next);
    }
    visiting.delete(item.id);
    done.add(item.id);
  };
  items.forEach(visit);
  return items;
}

function innerRequest(outer: GraphRequest, item: BatchItem): GraphRequest {
  const requestId = newGuid();
  const base = {
    method: item.method, version: outer.version, headers: item.headers, body: item.body, origin: outer.origin,
    requestId, clientRequestId: item.headers['client-request-id'] ?? requestId, caller: outer.caller,
  };
  if (/^[a-z][a-z0-9+.-]*:/i.test(item.url)) {
    throw new GraphError(400, 'BadRequest', `Batch request urls must be relative (got '${item.url}').`);
  }
  const target = splitTarget(item.url.startsWith('/') ? item.url : `/${item.url}`);
  if (target.path.replace(/\/+$/, '').toLowerCase() === '/$batch') throw badRequest('A batch cannot contain another batch.');
  return { ...base, ...target };
}

export const batchRoutes: Route[] = [
  {
    method: 'POST', path: '/$batch', permissions: [],
    handle: async (ctx: HandlerContext): Promise<GraphResponse> => {
      if (ctx.sim.graphFaults.once('batch-503-once')) {
        throw new GraphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.');
      }
      const items = parseBatch(ctx.req.body);
      const byId = new Map(items.map((i) => [i.id, i]));
      const running = new Map<string, Promise<GraphResponse>>();

      const execute = async (item: BatchItem): Promise<GraphResponse> => {
        const deps = await Promise.all(item.dependsOn.flatMap((d) => {
          const dep = byId.get(d);
          return dep ? [run(dep)] : [];
        }));
        const requestId = newGuid();
        if (deps.some((d) => d.status >= 400)) {
          return { status: 424, body: errorBody('FailedDependency', 'A request this request depends on failed.', requestId, requestId, ctx.sim.now()) };
        }
        let inner: GraphRequest;
        try {
          inner = innerRequest(ctx.req, item);
        } catch (err) {
          const e = err instanceof GraphError ? err : badRequest(String(err));
          return { status: e.status, body: errorBody(e.code, e.message, requestId, requestId, ctx.sim.now()) };
        }
        const res = await ctx.sim.dispatch(inner);
        return { ...res, headers: { 'request-id': inner.requestId, 'client-request-id': inner.clientRequestId, ...res.headers } };
      };
      const run = (item: BatchItem): Promise<GraphResponse> => {
        let p = running.get(item.id);
        if (!p) {
          p = execute(item);
          running.set(item.id, p);
        }
        return p;
      };

      const results = await Promise.all(items.map(run));
      const responses = items.map((item, i) => {
        const res = results[i] ?? { status: 500 };
        const headers: Record<string, string> = { ...res.headers };
        if (res.body !== undefined) headers['Content-Type'] = 'application/json';
        return res.body === undefined
          ? { id: item.id, status: res.status, headers }
          : { id: item.id, status: res.status, headers, body: res.body };
      });
      return { status: 200, body: { responses }, batch: items.length, items: items.map((i) => `${i.method} ${i.url.split('?')[0] ?? ''}`) };
    },
  },
];
