/**
 * The HTTP surface: restify with Bot Framework's CloudAdapter on POST /api/messages, plus health
 * endpoints. JWT validation is the adapter's, enforced whenever an app id is configured.
 */
import restify from 'restify';
import type { Server } from 'restify';
import { CloudAdapter, type TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from '../log';
import { trace } from '../log';
import { errorSummary } from './app';

/** Largest activity accepted; Teams activities are far smaller, and the limit bounds memory. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface ServerDeps {
  adapter: CloudAdapter;
  app: Application<TurnState>;
  logger: Logger;
  /** Extra readiness checks (storage, Graph). */
  ready?: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
}

export function createServer(deps: ServerDeps): Server {
  const { adapter, app, logger } = deps;
  const server = restify.createServer({ name: 'mfabot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false, rejectUnknown: true }));

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
    await trace.run(ctx, async () => {
      try {
        await adapter.process(req, res, async (context) => {
          await app.run(context);
        });
      } catch (err) {
        logger.error({ err: errorSummary(err) }, 'activity processing failed');
        if (!res.headersSent) {
          res.status(500);
          res.send({ error: 'internal error' });
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
