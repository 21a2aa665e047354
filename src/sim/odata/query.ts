/**
 * OData system query options as Graph applies them: parsing (`$filter`, `$select`, `$top`, `$count`,
 * `$expand`, `$orderby`, `$skiptoken`), projection, and server-driven paging with opaque `$skiptoken`s
 * in absolute `@odata.nextLink`s that carry the original query.
 */
import { badRequest } from '../errors';
import { fromBase64Url, isRecord, toBase64Url, type JsonObject } from '../util';
import { compileFilter, MAX_OR_CLAUSES, type FilterSpec, type Resolver } from './filter';

export type QueryOption = '$filter' | '$select' | '$top' | '$count' | '$expand' | '$orderby' | '$skiptoken';

const OPTIONS: readonly QueryOption[] = ['$filter', '$select', '$top', '$count', '$expand', '$orderby', '$skiptoken'];

export interface OrderBy {
  property: string;
  descending: boolean;
}

export interface ODataQuery {
  filter?: string;
  select?: string[];
  top?: number;
  count: boolean;
  /** Navigation properties to expand; nested options such as `principal($select=id)` are dropped (Graph ignores them here). */
  expand?: string[];
  orderBy?: OrderBy[];
  skiptoken?: string;
}

/** Where the request came from, to build absolute links and `@odata.context`. */
export interface RequestLocation {
  origin: string;
  version: string;
  /** Path without version and query, exactly as received (still percent-encoded). */
  rawPath: string;
  /** Query string without `?`, exactly as received. */
  rawQuery: string;
  /** Lower-case header names (advanced queries need `consistencylevel`). */
  headers?: Readonly<Record<string, string>>;
}

export interface PagingLimits {
  defaultPageSize: number;
  /** Simulator-wide cap (tests force paging with small values). */
  maxPageSize?: number;
}

function splitList(option: string, value: string): string[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw badRequest(`Invalid ${option} value '${value}'.`);
  return parts;
}

/** Drops nested options: `principal($select=id),roleDefinition` → `principal`, `roleDefinition`. */
function splitExpand(value: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) { names.push(current.trim()); current = ''; }
    else if (depth === 0) current += ch;
  }
  names.push(current.trim());
  if (names.some((n) => n === '') || depth !== 0) throw badRequest(`Invalid $expand value '${value}'.`);
  return names;
}

function parseOrderBy(part: string): OrderBy {
  const m = /^([A-Za-z_][\w/]*)(?:\s+(asc|desc))?$/i.exec(part);
  if (!m?.[1]) throw badRequest(`Invalid $orderby value '${part}'.`);
  return { property: m[1], descending: (m[2] ?? '').toLowerCase() === 'desc' };
}

/**
 * Parses the system query options of a request. Options the endpoint does not support are a 400
 * (the simulator never silently ignores one); non-`$` parameters are ignored as Graph does.
 */
export function parseQuery(rawQuery: string, allowed: readonly QueryOption[]): ODataQuery {
  const params = new URLSearchParams(rawQuery);
  const seen = new Set<string>();
  const query: ODataQuery = { count: false };
  for (const [rawKey, value] of params) {
    if (!rawKey.startsWith('$')) continue;
    const key = rawKey.toLowerCase();
    if (seen.has(key)) throw badRequest(`Query option '${rawKey}' was specified more than once, but it must be specified at most once.`);
    seen.add(key);
    const option = OPTIONS.find((o) => o === key);
    if (!option || !allowed.includes(option)) {
      throw badRequest(`Query option '${rawKey}' is not supported by this request.`);
    }
    switch (option) {
      case '$filter': query.filter = value; break;
      case '$select': query.select = value.trim() === '*' ? undefined : splitList('$select', value); break;
      case '$expand': query.expand = splitExpand(value); break;
      case '$skiptoken': query.skiptoken = value; break;
      case '$orderby': query.orderBy = splitList('$orderby', value).map(parseOrderBy); break;
      case '$top': {
        if (!/^\d+$/.test(value) || Number(value) < 1) throw badRequest(`Invalid page size specified: '${value}'.`);
        query.top = Number(value);
        break;
      }
      case '$count': {
        const v = value.toLowerCase();
        if (v !== 'true' && v !== 'false') throw badRequest(`Invalid value '${value}' for $count; use true or false.`);
        query.count = v === 'true';
        break;
      }
    }
  }
  return query;
}

/**
 * Objects Graph shows as `id` and `@odata.type` only (the app may not read their type): `$select`
 * adds nothing to them.
 */
export const ID_ONLY = new WeakSet<JsonObject>();

/** Keeps only `$select`ed properties (missing ones as null), plus `@odata.type` and `keep`. */
export function applySelect(obj: JsonObject, select: readonly string[] | undefined, keep: readonly string[] = []): JsonObject {
  if (!select || ID_ONLY.has(obj)) return obj;
  const out: JsonObject = {};
  if ('@odata.type' in obj) out['@odata.type'] = obj['@odata.type'];
  for (const f of select) out[f] = obj[f] ?? null;
  for (const k of keep) if (k in obj) out[k] = obj[k];
  return out;
}

export function contextUrl(loc: RequestLocation, context: string, select?: readonly string[]): string {
  const projected = select ? `${context}(${select.join(',')})` : context;
  return `${loc.origin}/${loc.version}/$metadata#${projected}`;
}

/** A single entity response body with `@odata.context`. */
export function entityBody(loc: RequestLocation, context: string, obj: JsonObject, query?: ODataQuery, keep: readonly string[] = []): JsonObject {
  const select = query?.select;
  const selected = applySelect(obj, select, keep);
  return { '@odata.context': `${contextUrl(loc, context, select)}/$entity`, ...selected };
}

export interface CollectionSpec<T> {
  /** `@odata.context` fragment, e.g. `users` or `roleManagement/directory/roleAssignments`. */
  context: string;
  /** Filterable properties; without it any `$filter` is rejected. */
  filter?: FilterSpec;
  resolve?: Resolver<T>;
  /** Largest `$top` the endpoint honours. */
  maxTop: number;
  /** Directory endpoints answer 400 above their maximum; others cap silently. */
  rejectTopAboveMax?: boolean;
  /** Turns a stored item into what is served (only items on the page are projected). */
  project?: (item: T) => JsonObject;
  /** Properties kept whatever `$select` says (expanded navigation properties). */
  keepOnSelect?: readonly string[];
  /** Properties the endpoint sorts by (`$orderby`); without it any `$orderby` is a 400. */
  orderBy?: readonly string[];
  /**
   * A directory object collection: as an advanced query (`ConsistencyLevel: eventual` and
   * `$count=true`) its filter may hold more than 15 `or` clauses, up to a URL of 2,048 characters
   * (learn.microsoft.com/graph/aad-advanced-queries).
   */
  advancedQuery?: boolean;
}

const SKIPTOKEN_PREFIX = 'simoffset:';

function encodeSkiptoken(offset: number): string {
  return toBase64Url(`${SKIPTOKEN_PREFIX}${offset}`);
}

function decodeSkiptoken(token: string | undefined): number {
  if (token === undefined) return 0;
  const text = fromBase64Url(token);
  const offset = Number(text.slice(SKIPTOKEN_PREFIX.length));
  if (!text.startsWith(SKIPTOKEN_PREFIX) || !Number.isInteger(offset) || offset < 0) {
    throw badRequest('Invalid $skiptoken: it must be taken unchanged from an @odata.nextLink.', 'Directory_InvalidPageToken');
  }
  return offset;
}

/** The original query with `$skiptoken` replaced, parameters otherwise untouched. */
function nextLink(loc: RequestLocation, offset: number): string {
  const kept = loc.rawQuery.split('&').filter((part) => {
    if (part === '') return false;
    const key = decodeURIComponent(part.split('=')[0] ?? '').toLowerCase();
    return key !== '$skiptoken';
  });
  kept.push(`$skiptoken=${encodeSkiptoken(offset)}`);
  return `${loc.origin}/${loc.version}${loc.rawPath}?${kept.join('&')}`;
}

/** Page size for a request: `$top` (or the default), capped by the endpoint and the simulator. */
export function pageSize(query: ODataQuery, maxTop: number, limits: PagingLimits, rejectAboveMax = false): number {
  if (query.top !== undefined && query.top > maxTop && rejectAboveMax) {
    throw badRequest(`Invalid page size specified: '${query.top}'. Must be between 1 and ${maxTop} inclusive.`, 'Request_UnsupportedQuery');
  }
  const requested = query.top ?? limits.defaultPageSize;
  return Math.max(1, Math.min(requested, maxTop, limits.maxPageSize ?? Number.POSITIVE_INFINITY));
}

/** The items sorted as `$orderby` asks, by properties the endpoint sorts by (400 otherwise). */
function sorted<T>(items: readonly T[], orderBy: readonly OrderBy[], spec: CollectionSpec<T>): T[] {
  for (const o of orderBy) {
    if (!spec.orderBy?.includes(o.property)) throw badRequest(`Sorting by '${o.property}' is not supported by this request.`, 'Request_UnsupportedQuery');
  }
  const read = (item: T, property: string): unknown => (spec.resolve ? spec.resolve(item, property) : isRecord(item) ? item[property] : undefined);
  const compare = (a: unknown, b: unknown): number => {
    if (a === b) return 0;
    if (a === undefined || a === null) return -1;
    if (b === undefined || b === null) return 1;
    return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase().localeCompare(b.toLowerCase()) : a < b ? -1 : a > b ? 1 : 0;
  };
  return [...items].sort((x, y) => {
    for (const o of orderBy) {
      const c = compare(read(x, o.property), read(y, o.property));
      if (c !== 0) return o.descending ? -c : c;
    }
    return 0;
  });
}

/** Graph's longest URL for an advanced query's `in` (learn.microsoft.com/graph/aad-advanced-queries). */
const ADVANCED_QUERY_URL = 2_048;

/** How many `or` clauses the request's filter may hold: 15, or (an advanced query) as many as fit the URL. */
function filterLimit<T>(spec: CollectionSpec<T>, query: ODataQuery, loc: RequestLocation): number | undefined {
  const advanced = spec.advancedQuery && query.count && (loc.headers?.consistencylevel ?? '').trim().toLowerCase() === 'eventual';
  if (!advanced) return MAX_OR_CLAUSES;
  const url = `https://graph.microsoft.com/${loc.version}${loc.rawPath}?${loc.rawQuery}`;
  if (url.length > ADVANCED_QUERY_URL) throw badRequest(`The request URL is ${url.length} characters long; an advanced query allows ${ADVANCED_QUERY_URL}.`, 'Request_UnsupportedQuery');
  return undefined;
}

/** Filters, pages and projects a collection into Graph's list body. */
export function pageCollection<T>(
  items: readonly T[],
  spec: CollectionSpec<T>,
  query: ODataQuery,
  loc: RequestLocation,
  limits: PagingLimits,
): JsonObject {
  let matching = items;
  if (query.filter !== undefined) {
    const predicate = compileFilter<T>(query.filter, spec.filter ?? {}, spec.resolve, { maxOrClauses: filterLimit(spec, query, loc) });
    matching = items.filter(predicate);
  }
  if (query.orderBy) matching = sorted(matching, query.orderBy, spec);
  const offset = decodeSkiptoken(query.skiptoken);
  const size = pageSize(query, spec.maxTop, limits, spec.rejectTopAboveMax);
  const page = matching.slice(offset, offset + size);
  const project = spec.project ?? ((item: T): JsonObject => (isRecord(item) ? item : { value: item }));
  const body: JsonObject = { '@odata.context': contextUrl(loc, spec.context, query.select) };
  if (query.count) body['@odata.count'] = matching.length;
  if (offset + size < matching.length) body['@odata.nextLink'] = nextLink(loc, offset + size);
  body.value = page.map((item) => applySelect(project(item), query.select, spec.keepOnSelect));
  return body;
}
