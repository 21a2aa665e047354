/**
 * Graph failures turned into errors a person can act on: which permission or licence is missing,
 * whether anything was changed, and the request id for a support ticket.
 */
import { permissionFor } from './permissions';

export type GraphFailureKind =
  | 'permission' | 'licence' | 'auth' | 'badRequest' | 'notFound' | 'conflict'
  /** Graph refused for a reason no permission fixes (a Teams app permission policy, an app that is not MfaBot's own). */
  | 'refused'
  | 'throttled' | 'unavailable' | 'timeout' | 'network' | 'unsafeLink'
  /** The answer was not what Graph sends (not JSON, not the expected shape): a proxy, a fault, a bug. */
  | 'malformed';

export class GraphFailure extends Error {
  constructor(
    readonly kind: GraphFailureKind,
    message: string,
    readonly details: {
      status?: number;
      code?: string;
      requestId?: string;
      method?: string;
      path?: string;
      /** Permission that would fix it. */
      missing?: string;
      graphMessage?: string;
    } = {},
  ) {
    super(message);
    this.name = 'GraphFailure';
  }

  /** True when Graph may have applied the request anyway (timeouts, 5xx on writes). */
  get outcomeUnknown(): boolean {
    return this.kind === 'timeout' || this.kind === 'network' || this.kind === 'unavailable' || this.kind === 'malformed';
  }
}

export interface RawGraphError {
  statusCode?: number;
  code?: string | null;
  message?: string;
  requestId?: string | null;
  body?: unknown;
  name?: string;
}

function graphMessageFromBody(body: unknown): { code?: string; message?: string } {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return {};
    }
  }
  if (parsed && typeof parsed === 'object' && 'error' in parsed) {
    const e = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      code: typeof e?.code === 'string' ? e.code : undefined,
      message: typeof e?.message === 'string' ? e.message : undefined,
    };
  }
  return {};
}

const LICENCE_CODES = new Set(['Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'AadPremiumLicenseRequired']);

/** What a person is told when Graph's answer cannot be read; `detail` says what was wrong with it. */
export function malformedAnswer(method: string, path: string, detail: string): GraphFailure {
  const what = permissionFor(method, path)?.what ?? `${method} ${path}`;
  return new GraphFailure('malformed', `Microsoft Graph sent an answer MfaBot could not read while trying to ${what} (${detail}).`, { method, path });
}

/**
 * Classifies an error thrown by the Graph client (or by our middleware) for a request.
 * Never includes request headers, so no token can leak through an error message.
 */
export function toGraphFailure(err: unknown, method: string, path: string): GraphFailure {
  if (err instanceof GraphFailure) return err;
  const raw = (err ?? {}) as RawGraphError;
  const status = typeof raw.statusCode === 'number' && raw.statusCode > 0 ? raw.statusCode : undefined;
  const fromBody = graphMessageFromBody(raw.body);
  const code = fromBody.code ?? (raw.code ?? undefined);
  const graphMessage = fromBody.message ?? raw.message;
  const requestId = raw.requestId ?? undefined;
  const need = permissionFor(method, path);
  const base = { status, code, requestId, method, path, graphMessage };
  const what = need?.what ?? `${method} ${path}`;

  if (err instanceof SyntaxError || raw.name === 'SyntaxError') return malformedAnswer(method, path, 'not valid JSON');
  if (raw.name === 'TimeoutError' || raw.name === 'AbortError' || code === 'TimeoutError') {
    return new GraphFailure('timeout', `Microsoft Graph did not answer in time (${what}).`, base);
  }
  if (status === undefined) {
    return new GraphFailure('network', `Microsoft Graph could not be reached (${what}): ${raw.message ?? 'network error'}.`, base);
  }
  if ((status === 403 || status === 400) && code && LICENCE_CODES.has(code)) {
    const licence = need?.licence ?? 'a premium Entra ID licence';
    return new GraphFailure('licence', `The tenant needs ${licence} to ${what}.`, { ...base, missing: licence });
  }
  if (status === 403) {
    const perm = need?.permission;
    return new GraphFailure(
      'permission',
      perm
        ? `MfaBot's app lacks the Graph permission ${perm} (needed to ${what}). Grant it with admin consent.`
        : `Graph refused ${method} ${path}: ${graphMessage ?? 'access denied'}.`,
      { ...base, missing: perm },
    );
  }
  if (status === 401) return new GraphFailure('auth', 'Graph rejected MfaBot\'s token: check the app credentials and tenant id.', base);
  if (status === 404) return new GraphFailure('notFound', `Not found in Graph: ${what}.`, base);
  if (status === 409) return new GraphFailure('conflict', `Graph reported a conflict: ${graphMessage ?? 'already exists'}.`, base);
  if (status === 429) return new GraphFailure('throttled', `Microsoft Graph is throttling MfaBot (${what}); try again in a minute.`, base);
  if (status >= 500) return new GraphFailure('unavailable', `Microsoft Graph had a server error (${status}) while trying to ${what}.`, base);
  return new GraphFailure('badRequest', `Graph rejected the request (${status}): ${graphMessage ?? 'bad request'}.`, base);
}

/** A read that may fail with a GraphFailure, as a value: the sweep turns failures into caveats. */
export type Optional<T> = { ok: true; value: T } | { ok: false; failure: GraphFailure };

/** Awaits `work`; a GraphFailure becomes `{ ok: false }`, anything else (a bug) is thrown. */
export async function optional<T>(work: Promise<T>): Promise<Optional<T>> {
  try {
    return { ok: true, value: await work };
  } catch (err) {
    if (err instanceof GraphFailure) return { ok: false, failure: err };
    throw err;
  }
}
