/**
 * Request helpers over the Graph client: GET with typed errors, paging that follows
 * `@odata.nextLink` unchanged (on the same origin only), and a scheduler that coalesces independent
 * GETs into `$batch` requests with per-item retries.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphFailure, toGraphFailure } from './errors';
import { retryDelayMs } from './client';

export interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
}

/** GET one resource; failures become GraphFailure. */
export async function graphGet<T>(client: Client, path: string, opts: RequestOptions = {}): Promise<T> {
  try {
    return (await client.api(path).headers(opts.headers ?? {}).get()) as T;
  } catch (err) {
    throw toGraphFailure(err, 'GET', path);
  }
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
    const page: GraphPage<T> = await get<GraphPage<T>>(next, opts);
    onPage(Array.isArray(page.value) ? page.value : []);
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

/** Graph's limit of requests in one `$batch` (facts §9). */
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
 * Batch items are throttled one by one (facts §9): an item answered 429/503/504 inside a 200 batch is
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
    for (let i = 0; i < items.length; i += BATCH_LIMIT) void this.send(items.slice(i, i + BATCH_LIMIT));
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
    let res: { responses?: BatchResponseItem[] };
    try {
      const requests = chunk.map((item, i) => ({ id: String(i + 1), method: 'GET', url: item.path, ...(item.headers ? { headers: item.headers } : {}) }));
      res = await graphSend<{ responses?: BatchResponseItem[] }>(this.client, 'POST', '/$batch', { requests });
    } catch (err) {
      const failure = toGraphFailure(err, 'POST', '/$batch');
      for (const item of chunk) item.reject(failure);
      return;
    }
    const byId = new Map((res.responses ?? []).map((r) => [r.id, r]));
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
      if (answer.status >= 200 && answer.status < 300) item.resolve(answer.body);
      else item.reject(toGraphFailure({ statusCode: answer.status, body: answer.body, requestId: headerValue(answer.headers, 'request-id') }, 'GET', item.path));
    });
    if (again.length === 0) return;
    await this.sleep(Math.min(wait, this.opts.maxRetryDelayMs ?? 30_000));
    for (const item of again) this.enqueue(item);
  }
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | null {
  if (!headers) return null;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers[key] ?? null : null;
}
