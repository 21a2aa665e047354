/**
 * Request helpers over the Graph client: GET with typed errors, paging that follows
 * `@odata.nextLink` unchanged (on the same origin only), and `$batch` with per-item retries.
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

/**
 * Streams every item of a collection page by page. `onPage` lets callers keep only what they need
 * (a 100k-user tenant never has to sit in memory).
 */
export async function forEachPage<T>(
  client: Client,
  baseUrl: string,
  path: string,
  onPage: (items: T[]) => void,
  opts: RequestOptions & { maxPages?: number } = {},
): Promise<void> {
  let next: string | undefined = path;
  let pages = 0;
  while (next) {
    const page: GraphPage<T> = await graphGet<GraphPage<T>>(client, next, opts);
    onPage(Array.isArray(page.value) ? page.value : []);
    pages++;
    if (opts.maxPages !== undefined && pages >= opts.maxPages) return;
    const link = page['@odata.nextLink'];
    next = link ? relativeNextLink(link, baseUrl) : undefined;
  }
}

export async function getAll<T>(client: Client, baseUrl: string, path: string, opts: RequestOptions = {}): Promise<T[]> {
  const out: T[] = [];
  await forEachPage<T>(client, baseUrl, path, (items) => out.push(...items), opts);
  return out;
}

export interface BatchItemResult<T> {
  id: string;
  status: number;
  body: T | undefined;
  failure?: GraphFailure;
}

interface BatchResponseItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export const BATCH_LIMIT = 20;

/**
 * GETs many relative URLs through `$batch`, 20 at a time. Items throttled inside a batch (which the
 * HTTP-level retry cannot see) are retried after their Retry-After, a bounded number of times.
 */
export async function batchGet<T>(
  client: Client,
  urls: readonly string[],
  opts: { maxRetries?: number; sleep?: (ms: number) => Promise<void>; concurrency?: number; headers?: Record<string, string> } = {},
): Promise<Map<string, BatchItemResult<T>>> {
  const results = new Map<string, BatchItemResult<T>>();
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxRetries = opts.maxRetries ?? 3;
  const chunks: string[][] = [];
  for (let i = 0; i < urls.length; i += BATCH_LIMIT) chunks.push(urls.slice(i, i + BATCH_LIMIT) as string[]);

  const runChunk = async (chunk: string[]): Promise<void> => {
    let pending = chunk.map((url, i) => ({ id: String(i + 1), url }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      const body = { requests: pending.map((p) => ({ id: p.id, method: 'GET', url: p.url, headers: opts.headers })) };
      const res = await graphSend<{ responses?: BatchResponseItem[] }>(client, 'POST', '/$batch', body);
      const throttled: typeof pending = [];
      let wait = 0;
      for (const item of res.responses ?? []) {
        const p = pending.find((x) => x.id === item.id);
        if (!p) continue;
        if ((item.status === 429 || item.status === 503) && attempt < maxRetries) {
          throttled.push(p);
          wait = Math.max(wait, retryDelayMs(headerValue(item.headers, 'Retry-After'), attempt));
          continue;
        }
        const ok = item.status >= 200 && item.status < 300;
        results.set(p.url, {
          id: p.url,
          status: item.status,
          body: ok ? (item.body as T) : undefined,
          failure: ok ? undefined : toGraphFailure({ statusCode: item.status, body: item.body, requestId: headerValue(item.headers, 'request-id') }, 'GET', p.url),
        });
      }
      pending = throttled;
      if (pending.length > 0) await sleep(Math.min(wait, 30_000));
    }
  };

  const concurrency = Math.max(1, opts.concurrency ?? 4);
  for (let i = 0; i < chunks.length; i += concurrency) {
    await Promise.all(chunks.slice(i, i + concurrency).map(runChunk));
  }
  return results;
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | null {
  if (!headers) return null;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers[key] ?? null : null;
}
