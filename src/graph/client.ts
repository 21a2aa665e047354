/**
 * The Microsoft Graph client as MfaBot uses it: Microsoft's `@microsoft/microsoft-graph-client` with
 * our own middleware chain, so that
 * - the token goes only to the configured Graph origin (never to a host named in a nextLink),
 * - the same client talks to Microsoft Graph over https and to the simulator over loopback http,
 * - every attempt has a timeout, retries are bounded in count and total time, writes are retried
 *   only when Graph guarantees nothing happened (429),
 * - every request is counted and logged with Graph's request-id.
 */
import { Client, HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import type { TokenCredential } from '@azure/identity';
import type { Logger } from '../log';
import { trace } from '../log';
import { parseRetryAfter } from '../http';
import { graphPath } from './permissions';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface GraphClientOptions {
  /** e.g. https://graph.microsoft.com or http://127.0.0.1:3979 (no version). */
  baseUrl: string;
  /** Null only for a loopback simulator, which accepts any bearer token. */
  credential: TokenCredential | null;
  timeoutMs: number;
  maxRetries: number;
  /** Upper bound for one wait between retries, whatever Retry-After says. */
  maxRetryDelayMs?: number;
  /** Upper bound for all retries of one request. */
  retryBudgetMs?: number;
  logger: Logger;
  /** Injectable for tests (fault injection with fake clocks). */
  sleep?: (ms: number) => Promise<void>;
  /** Graph scope for tokens; sovereign clouds differ. */
  scope?: string;
}

abstract class Link implements Middleware {
  protected next: Middleware | undefined;
  setNext(next: Middleware): void {
    this.next = next;
  }
  protected async forward(context: Context): Promise<void> {
    if (!this.next) throw new Error('Graph middleware chain is incomplete');
    await this.next.execute(context);
  }
  abstract execute(context: Context): Promise<void>;
}

function requestUrl(context: Context): string {
  return typeof context.request === 'string' ? context.request : context.request.url;
}

function method(context: Context): string {
  return (context.options?.method ?? 'GET').toUpperCase();
}

function headersOf(context: Context): Headers {
  const h = new Headers((context.options?.headers ?? {}) as HeadersInit);
  context.options = { ...(context.options ?? {}), headers: h };
  return h;
}

/** Attaches a bearer token only for the configured Graph origin. */
class AuthLink extends Link {
  constructor(
    private readonly origin: string,
    private readonly credential: TokenCredential | null,
    private readonly scope: string,
  ) {
    super();
  }
  async execute(context: Context): Promise<void> {
    const h = headersOf(context);
    h.delete('Authorization');
    if (new URL(requestUrl(context)).origin === this.origin) {
      if (this.credential) {
        const token = await this.credential.getToken(this.scope);
        if (!token) throw new Error('no Graph token could be obtained for MfaBot\'s app');
        h.set('Authorization', `Bearer ${token.token}`);
      } else {
        // The simulator checks for a bearer token as Graph does; it has no way to verify one.
        h.set('Authorization', 'Bearer simulator');
      }
    }
    await this.forward(context);
  }
}

const RETRYABLE = new Set([429, 503, 504]);

/** Bounded retries honouring Retry-After. */
class RetryLink extends Link {
  constructor(
    private readonly maxRetries: number,
    private readonly maxDelayMs: number,
    private readonly budgetMs: number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    super();
  }
  async execute(context: Context): Promise<void> {
    const started = Date.now();
    const write = method(context) !== 'GET' && !isReadOnlyBatch(context);
    for (let attempt = 0; ; attempt++) {
      let timedOut = false;
      try {
        await this.forward(context);
      } catch (err) {
        if ((err as Error).name !== 'TimeoutError' || write) throw err;
        timedOut = true;
        if (attempt >= this.maxRetries) throw err;
      }
      const status = context.response?.status ?? 0;
      // A write that failed with 5xx may have been applied; only 429 promises it was not.
      const retryable = timedOut || (RETRYABLE.has(status) && (!write || status === 429));
      if (!retryable || attempt >= this.maxRetries) return;
      const delay = timedOut ? this.backoff(attempt) : retryDelayMs(context.response?.headers.get('Retry-After') ?? null, attempt);
      const wait = Math.min(delay, this.maxDelayMs);
      if (Date.now() - started + wait > this.budgetMs) return;
      await this.sleep(wait);
    }
  }
  private backoff(attempt: number): number {
    return Math.min(this.maxDelayMs, 500 * 2 ** attempt + Math.floor(Math.random() * 250));
  }
}

/**
 * A `$batch` POST that carries only GETs changes nothing, so it is retried like a GET (on 429,
 * 503, 504 and timeouts); Graph answers its items one by one inside a 200 otherwise
 * (learn.microsoft.com/graph/json-batching).
 */
function isReadOnlyBatch(context: Context): boolean {
  if (method(context) !== 'POST' || !/\/\$batch$/i.test(new URL(requestUrl(context)).pathname)) return false;
  const body = context.options?.body;
  if (typeof body !== 'string') return false;
  try {
    const parsed = JSON.parse(body) as { requests?: unknown };
    return Array.isArray(parsed.requests) && parsed.requests.length > 0
      && parsed.requests.every((r) => typeof r === 'object' && r !== null && String((r as { method?: unknown }).method).toUpperCase() === 'GET');
  } catch {
    return false;
  }
}

/** Milliseconds to wait from a Retry-After header (seconds or HTTP date), else exponential backoff. */
export function retryDelayMs(retryAfter: string | null, attempt: number): number {
  return parseRetryAfter(retryAfter, Date.now()) ?? 500 * 2 ** attempt + Math.floor(Math.random() * 250);
}

/** Counts and logs every HTTP attempt with Graph's request-id. */
class ObserveLink extends Link {
  constructor(private readonly logger: Logger) {
    super();
  }
  async execute(context: Context): Promise<void> {
    const started = Date.now();
    const store = trace.getStore();
    if (store?.graphRequests) store.graphRequests.count++;
    const m = method(context);
    const path = graphPath(requestUrl(context));
    try {
      await this.forward(context);
      const res = context.response;
      // Every call at info, with Graph's request-id: what a support ticket to Microsoft needs.
      const level = res && res.status >= 400 ? 'warn' : 'info';
      this.logger[level](
        { graph: { method: m, path, status: res?.status, requestId: res?.headers.get('request-id') ?? undefined, ms: Date.now() - started } },
        'graph request',
      );
    } catch (err) {
      this.logger.warn({ graph: { method: m, path, error: (err as Error).name, ms: Date.now() - started } }, 'graph request failed');
      throw err;
    }
  }
}

/** Aborts an attempt that takes longer than the timeout. */
class TimeoutLink extends Link {
  constructor(private readonly timeoutMs: number) {
    super();
  }
  async execute(context: Context): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    context.options = { ...(context.options ?? {}), signal };
    await this.forward(context);
  }
}

/** Builds the Graph client for the given base URL and credential. */
export function createGraphClient(opts: GraphClientOptions): Client {
  const base = new URL(opts.baseUrl);
  const chain: Middleware[] = [
    new AuthLink(base.origin, opts.credential, opts.scope ?? GRAPH_SCOPE),
    new RetryLink(opts.maxRetries, opts.maxRetryDelayMs ?? 30_000, opts.retryBudgetMs ?? 60_000, opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))),
    new ObserveLink(opts.logger),
    new TimeoutLink(opts.timeoutMs),
    new HTTPMessageHandler(),
  ];
  // The client links the array itself, in order.
  return Client.initWithMiddleware({
    baseUrl: `${base.origin}${base.pathname.replace(/\/+$/, '')}/`,
    middleware: chain,
    defaultVersion: 'v1.0',
  });
}
