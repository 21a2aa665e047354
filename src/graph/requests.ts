/**
 * Request helpers over the Graph client: GET with typed errors, paging that follows
 * `@odata.nextLink` unchanged (on the same origin only), and a scheduler that coalesces independent
 * GETs into `$batch` requests with per-item retries.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphFailure, malformedAnswer, toGraphFailure } from './errors';
import { retryDelayMs } from './client';

export interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
}

/** A short description of a value that should have been a JSON object, for error messages. */
function shapeOf(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'an empty answer';
  if (Array.isArray(value)) return 'a list instead of an object';
  return typeof value === 'object' ? 'an object of another shape' : `a ${typeof value} instead of JSON`;
}

/**
 * Every GET MfaBot makes answers a JSON object (an entity or a page). Anything else (HTML from a proxy,
 * a bare list, nothing) is refused here, as a GraphFailure, before code that reads properties of it.
 */
export function asObject(body: unknown, method: string, path: string): Record<string, unknown> {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  throw malformedAnswer(method, path, shapeOf(body));
}

/** A collection page as Graph sends it: `value` a list of objects, `@odata.nextLink` a string or absent. */
export function asPage<T>(body: unknown, path: string): GraphPage<T> {
  const page = asObject(body, 'GET', path);
  const { value } = page;
  const next = page['@odata.nextLink'];
  if (!Array.isArray(value)) throw malformedAnswer('GET', path, 'a page without a list of items');
  if (value.some((item) => item === null || typeof item !== 'object' || Array.isArray(item))) throw malformedAnswer('GET', path, 'a page with items that are not objects');
  if (next !== undefined && next !== null && typeof next !== 'string') throw malformedAnswer('GET', path, 'a nextLink that is not a link');
  return { value: value as T[], ...(typeof next === 'string' ? { '@odata.nextLink': next } : {}) };
}

/** GET one resource (a JSON object); failures, including answers that are not JSON objects, become GraphFailure. */
export async function graphGet<T>(client: Client, path: string, opts: RequestOptions = {}): Promise<T> {
  let body: unknown;
  try {
    body = await client.api(path).headers(opts.headers ?? {}).get();
  } catch (err) {
    throw toGraphFailure(err, 'GET', path);
  }
  return asObject(body, 'GET', path) as T;
}

export async function graphSend<T>(client: Client, method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  try {
    const req = client.api(path);
    if (method === 'POST') return (await req.post(body)) as T;
    if (method === 'PATCH') return (await req.patch(body)) as T;
    return (await req.delete()) as T;
  } catch (err) {
    throw toGraphFailure(err, method, path);
  }
}

/**
 * Turns a nextLink into a path the client can request. A link to any other origin is refused:
 * following it would hand MfaBot's token to a host we did not choose.
 */
export function relativeNextLink(nextLink: string, baseUrl: string): string {
  const base = new URL(baseUrl);
  let link: URL;
  try {
    link = new URL(nextLink, base);
  } catch {
    throw new GraphFailure('unsafeLink', `Graph returned a malformed nextLink: ${nextLink.slice(0, 200)}`);
  }
  if (link.origin !== base.origin) {
    throw new GraphFailure('unsafeLink', `Graph returned a nextLink to another host (${link.host}); refusing to follow it.`);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  let path = link.pathname.startsWith(basePath) ? link.pathname.slice(basePath.length) : link.pathname;
  path = path.replace(/^\/(v1\.0|beta)(?=\/)/, '');
  return `${path}${link.search}`;
}

/** Fetches one page (or entity) by relative path: a plain GET, or an item of a `$batch`. */
export type PageGetter = <T>(path: string, opts?: RequestOptions) => Promise<T>;

/**
 * Follows a collection from `path` through every `@odata.nextLink`, handing each page to `onPage`
 * as it arrives, so callers keep only what they need (a 100k-user tenant never sits in memory).
 * `get` decides how each page travels: on its own, or coalesced into a `$batch` by GraphBatcher.
 */
export async function followPages<T>(
  get: PageGetter,
  baseUrl: string,
  path: string,
  onPage: (items: T[]) => void,
  opts: RequestOptions & { maxPages?: number } = {},
): Promise<void> {
  let next: string | undefined = path;
  let pages = 0;
  while (next) {
    const page: GraphPage<T> = asPage<T>(await get<unknown>(next, opts), next);
    onPage(page.value);
    pages++;
    if (opts.maxPages !== undefined && pages >= opts.maxPages) return;
    const link = page['@odata.nextLink'];
    next = link ? relativeNextLink(link, baseUrl) : undefined;
  }
}

/** Streams every item of a collection page by page, one plain GET per page. */
export async function forEachPage<T>(
  client: Client,
  baseUrl: string,
  path: string,
  onPage: (items: T[]) => void,
  opts: RequestOptions & { maxPages?: number } = {},
): Promise<void> {
  await followPages<T>((p, o) => graphGet(client, p, o), baseUrl, path, onPage, opts);
}

export async function getAll<T>(client: Client, baseUrl: string, path: string, opts: RequestOptions = {}): Promise<T[]> {
  const out: T[] = [];
  await forEachPage<T>(client, baseUrl, path, (items) => out.push(...items), opts);
  return out;
}

interface BatchResponseItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Graph's limit of requests in one `$batch` (docs/graph-notes.md, "Batching and throttling"). */
export const BATCH_LIMIT = 20;

const TRANSIENT = new Set([429, 503, 504]);

export interface GraphBatcherOptions {
  /** Retries of one item throttled inside a batch (the HTTP-level retry cannot see those). Default 3. */
  maxRetries?: number;
  /** Upper bound of one wait for Retry-After. Default 30 s. */
  maxRetryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface QueuedGet {
  path: string;
  headers?: Record<string, string>;
  attempt: number;
  resolve: (body: unknown) => void;
  reject: (err: GraphFailure) => void;
}

/**
 * Coalesces independent GETs into `$batch` requests of up to 20. Every GET asked for in the same turn
 * of the event loop (say, the next pages of five collections whose previous pages arrived together)
 * leaves in one round trip; a lone GET goes out plainly, keeping the HTTP-level retry.
 *
 * Batch items are throttled one by one (docs/graph-notes.md, "Batching and throttling"): an item answered 429/503/504 inside a 200 batch is
 * asked again, with the next batch, after its Retry-After. Any other item error rejects that GET
 * alone, as the same typed GraphFailure a plain GET would give.
 *
 * Putting a nextLink (with its `$skiptoken`) into a batch item as a relative URL is what Graph's
 * batching guide implies for any GET; that Graph accepts it for every endpoint here is unconfirmed.
 */
export class GraphBatcher {
  private queue: QueuedGet[] = [];
  private scheduled = false;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly client: Client, private readonly opts: GraphBatcherOptions = {}) {
    this.sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  }

  /** GET a relative path (no version), e.g. `/organization?$select=id`; resolves with the JSON body. */
  get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue({ path, headers: opts.headers, attempt: 0, resolve: resolve as (body: unknown) => void, reject });
    });
  }

  /** `get` as a PageGetter, for followPages. */
  readonly getter: PageGetter = <T>(path: string, opts?: RequestOptions) => this.get<T>(path, opts);

  private enqueue(item: QueuedGet): void {
    this.queue.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the promise continuations of the response just handled, so every
    // GET those continuations ask for joins this flush.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const items = this.queue;
    this.queue = [];
    for (let i = 0; i < items.length; i += BATCH_LIMIT) {
      const chunk = items.slice(i, i + BATCH_LIMIT);
      // Nothing thrown while sending may escape as an unhandled rejection: it fails the chunk's GETs instead.
      this.send(chunk).catch((err: unknown) => {
        const failure = err instanceof GraphFailure ? err : malformedAnswer('POST', '/$batch', err instanceof Error ? err.message : String(err));
        for (const item of chunk) item.reject(failure);
      });
    }
  }

  private async send(chunk: QueuedGet[]): Promise<void> {
    const [only] = chunk;
    if (chunk.length === 1 && only) {
      try {
        only.resolve(await graphGet(this.client, only.path, { headers: only.headers }));
      } catch (err) {
        only.reject(toGraphFailure(err, 'GET', only.path));
      }
      return;
    }
    let answers: BatchResponseItem[];
    try {
      const requests = chunk.map((item, i) => ({ id: String(i + 1), method: 'GET', url: item.path, ...(item.headers ? { headers: item.headers } : {}) }));
      answers = batchAnswers(await graphSend<unknown>(this.client, 'POST', '/$batch', { requests }));
    } catch (err) {
      const failure = toGraphFailure(err, 'POST', '/$batch');
      for (const item of chunk) item.reject(failure);
      return;
    }
    const byId = new Map(answers.map((r) => [r.id, r]));
    const again: QueuedGet[] = [];
    let wait = 0;
    chunk.forEach((item, i) => {
      const answer = byId.get(String(i + 1));
      if (!answer) {
        item.reject(new GraphFailure('unavailable', `Microsoft Graph left a request out of its $batch answer (GET ${item.path}).`, { method: 'GET', path: item.path }));
        return;
      }
      const retryAfter = headerValue(answer.headers, 'Retry-After');
      if (TRANSIENT.has(answer.status) && item.attempt < (this.opts.maxRetries ?? 3)) {
        again.push({ ...item, attempt: item.attempt + 1 });
        wait = Math.max(wait, retryDelayMs(retryAfter, item.attempt));
        return;
      }
      if (answer.status >= 200 && answer.status < 300) {
        try {
          item.resolve(asObject(answer.body, 'GET', item.path));
        } catch (err) {
          item.reject(toGraphFailure(err, 'GET', item.path));
        }
      } else item.reject(toGraphFailure({ statusCode: answer.status, body: answer.body, requestId: headerValue(answer.headers, 'request-id') }, 'GET', item.path));
    });
    if (again.length === 0) return;
    await this.sleep(Math.min(wait, this.opts.maxRetryDelayMs ?? 30_000));
    for (const item of again) this.enqueue(item);
  }
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | null {
  if (!headers || typeof headers !== 'object') return null;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key ? headers[key] : undefined;
  return typeof value === 'string' ? value : null;
}

/**
 * The items of a `$batch` answer that have Graph's shape (an id and an HTTP status). The answer
 * itself must be an object with a `responses` list; malformed items are left out, so the GETs they
 * should have answered fail as "left out of the answer" rather than with a TypeError.
 */
function batchAnswers(body: unknown): BatchResponseItem[] {
  const responses = asObject(body, 'POST', '/$batch').responses;
  if (!Array.isArray(responses)) throw malformedAnswer('POST', '/$batch', 'no list of responses');
  const out: BatchResponseItem[] = [];
  for (const r of responses as unknown[]) {
    if (r === null || typeof r !== 'object') continue;
    const { id, status, headers, body: itemBody } = r as Record<string, unknown>;
    if ((typeof id !== 'string' && typeof id !== 'number') || typeof status !== 'number' || !Number.isInteger(status)) continue;
    out.push({
      id: String(id),
      status,
      ...(headers !== null && typeof headers === 'object' && !Array.isArray(headers) ? { headers: headers as Record<string, string> } : {}),
      body: itemBody,
    });
  }
  return out;
}
