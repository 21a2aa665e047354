/**
 * The HTTP surface: restify with Bot Framework's CloudAdapter on POST /api/messages, plus health
 * endpoints. JWT validation is the adapter's, enforced whenever an app id is configured.
 */
import restify from 'restify';
import type { Response, Server } from 'restify';
import { CloudAdapter, type TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from '../log';
import { trace } from '../log';
import { errorSummary } from './failures';
import { activityShapeProblem } from './activityShape';
import { isLoopbackHost, mediaType } from '../http';

/** Largest activity accepted; Teams activities are far smaller, and the limit bounds memory. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface ServerDeps {
  adapter: CloudAdapter;
  app: Application<TurnState>;
  logger: Logger;
  /** Extra readiness checks (storage, Graph). */
  ready?: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
  /**
   * Demo mode: answer only requests addressed to a loopback name. Without Bot Framework authentication
   * a page on another site could otherwise reach the bot through DNS rebinding (a name of its own that
   * resolves to 127.0.0.1 is still sent in the Host header).
   */
  loopbackOnly?: boolean;
}



/**
 * The adapter answers failures with the error's message as the body, and a token signed by an
 * unknown key as a 500. Callers get a status and a fixed word instead: a message can describe internals.
 */
function guardResponse(res: Response, turnStarted: () => boolean, logger: Logger): Response {
  let status = 200;
  return new Proxy(res, {
    get(target, prop, receiver) {
      if (prop === 'status') {
        return (code: number) => {
          status = code === 500 && !turnStarted() ? 401 : code;
          if (status !== code) logger.warn({ status: code }, 'token refused before the turn: answering 401');
          return target.status(status);
        };
      }
      if (prop === 'send') {
        return (body?: unknown) => {
          if (status >= 400) return target.send({ error: status === 401 ? 'unauthorized' : status < 500 ? 'bad request' : 'internal error' });
          return target.send(body);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function isAuthFailure(err: unknown): boolean {
  const e = err as { name?: string; message?: string; statusCode?: number } | null;
  if (!e) return false;
  if (e.statusCode === 401 || e.statusCode === 403) return true;
  return /signature|jwt|token|unauthori[sz]ed|issuer|audience|endorse/i.test(`${e.name ?? ''} ${e.message ?? ''}`);
}

export function createServer(deps: ServerDeps): Server {
  const { adapter, app, logger } = deps;
  const server = restify.createServer({ name: 'mfabot', handleUncaughtExceptions: false });
  refuseUnwanted(server, deps);

  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ err: errorSummary(error) }, 'unhandled turn error');
    await context.sendActivity('MfaBot hit an unexpected error. It has been logged.').catch(() => undefined);
  };

  server.post('/api/messages', async (req, res) => {
    const body = req.body as { id?: unknown; conversation?: { id?: unknown } } | undefined;
    const ctx = {
      activityId: typeof body?.id === 'string' ? body.id : undefined,
      conversationId: typeof body?.conversation?.id === 'string' ? body.conversation.id : undefined,
    };
    const problem = activityShapeProblem(req.body);
    if (problem) {
      logger.warn({ problem, activityId: ctx.activityId }, 'bad activity refused');
      res.send(400, { error: 'bad activity', detail: problem });
      return;
    }
    await trace.run(ctx, async () => {
      let turnStarted = false;
      const guarded = guardResponse(res, () => turnStarted, logger);
      try {
        await adapter.process(req, guarded, async (context) => {
          turnStarted = true;
          await app.run(context);
        });
      } catch (err) {
        const e = err as { name?: string };
        // An activity that does not even parse as one (zod) is the caller's fault, not ours.
        const status = e?.name === 'ZodError' ? 400 : !turnStarted && isAuthFailure(err) ? 401 : 500;
        logger[status === 500 ? 'error' : 'warn']({ err: errorSummary(err), status }, 'activity refused or failed');
        if (!res.headersSent) {
          res.status(status);
          res.send({ error: status === 400 ? 'bad activity' : status === 401 ? 'unauthorized' : 'internal error' });
        }
      }
    });
  });

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });

  server.get('/readyz', async (_req, res) => {
    const result = deps.ready ? await deps.ready() : { ok: true, checks: {} };
    res.send(result.ok ? 200 : 503, { status: result.ok ? 'ready' : 'not ready', checks: result.checks });
  });

  return server;
}

/**
 * What never reaches a handler: in demo mode, requests addressed to a name that is not loopback; any
 * POST that is not JSON; bodies restify cannot read (logged here, as nothing else sees them).
 */
function refuseUnwanted(server: Server, deps: ServerDeps): void {
  const { logger } = deps;
  if (deps.loopbackOnly) {
    server.pre((req, res, next) => {
      if (isLoopbackHost(req.headers.host)) return next();
      logger.warn({ host: String(req.headers.host ?? '').slice(0, 100) }, 'refused a request addressed to a name that is not loopback');
      res.send(403, { error: 'forbidden host' });
      return next(false);
    });
  }
  // Bot Framework posts JSON. Anything else is refused before it is read: an HTML form (urlencoded,
  // multipart or text/plain) can be submitted cross-site without a CORS preflight.
  server.pre((req, res, next) => {
    if (req.method !== 'POST' || mediaType(req.headers['content-type']) === 'application/json') return next();
    logger.warn({ contentType: String(req.headers['content-type'] ?? '').slice(0, 100) }, 'refused a request that is not application/json');
    res.send(415, { error: 'unsupported media type: send application/json' });
    return next(false);
  });
  // Bodies restify itself refuses (not JSON, too large) never reach a handler: log them here.
  server.on('restifyError', (req: restify.Request, _res: Response, err: { name?: string; statusCode?: number; message?: string }, callback: () => void) => {
    logger.warn({ status: err.statusCode ?? null, error: err.name ?? 'Error', detail: String(err.message ?? '').slice(0, 200), path: req.path?.() }, 'request refused');
    callback();
  });
  server.use(restify.plugins.bodyReader({ maxBodySize: MAX_BODY_BYTES }));
  server.use(restify.plugins.jsonBodyParser({ mapParams: false, bodyReader: true }));
}
