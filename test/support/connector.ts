/**
 * A local Bot Connector (REST v3) for end-to-end tests: it records every activity the bot sends
 * and answers as Teams' connector does. Nothing is faked inside the bot.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface SentActivity {
  method: string;
  path: string;
  conversationId: string;
  replyToId?: string;
  activityId?: string;
  authorization?: string;
  body: Record<string, unknown>;
}

export interface FakeConnector {
  url: string;
  sent: SentActivity[];
  /** Resolves with the first activity matching `match` (already sent or arriving within `timeoutMs`). */
  waitFor(match: (a: SentActivity) => boolean, timeoutMs?: number): Promise<SentActivity>;
  /** Answers the next `count` requests matching `path` with `status` (and Retry-After when given). */
  failNext(pathPattern: RegExp, status: number, count?: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startFakeConnector(): Promise<FakeConnector> {
  const sent: SentActivity[] = [];
  const waiters: { match: (a: SentActivity) => boolean; resolve: (a: SentActivity) => void }[] = [];
  const faults: { pattern: RegExp; status: number; count: number; retryAfter?: number }[] = [];

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await readJson(req).catch(() => ({}));
    const fault = faults.find((f) => f.count > 0 && f.pattern.test(url.pathname));
    if (fault) {
      fault.count--;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}) });
      res.end(JSON.stringify({ error: { code: 'Throttled', message: 'injected' } }));
      return;
    }
    const m = /^\/v3\/conversations(?:\/([^/]+)\/activities(?:\/([^/]+))?)?\/?$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NotFound', message: url.pathname } }));
      return;
    }
    const [, conv, activityId] = m;
    const id = randomUUID();
    const record: SentActivity = {
      method: req.method ?? 'GET',
      path: url.pathname,
      conversationId: conv ? decodeURIComponent(conv) : '',
      authorization: req.headers.authorization,
      body,
    };
    if (req.method === 'POST' && !conv) {
      const newConversation = `a:${randomUUID()}`;
      record.conversationId = newConversation;
      sent.push(record);
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: newConversation, activityId: id }));
    } else {
      if (req.method === 'POST') record.replyToId = activityId ? decodeURIComponent(activityId) : undefined;
      if (req.method === 'PUT') record.activityId = activityId ? decodeURIComponent(activityId) : undefined;
      sent.push(record);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: record.activityId ?? id }));
    }
    for (const w of [...waiters]) {
      if (w.match(record)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(record);
      }
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    waitFor(match, timeoutMs = 10_000) {
      const found = sent.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the bot did not send the expected activity in time')), timeoutMs);
        waiters.push({ match, resolve: (a) => { clearTimeout(timer); resolve(a); } });
      });
    },
    failNext(pattern, status, count = 1, retryAfterSeconds) {
      faults.push({ pattern, status, count, retryAfter: retryAfterSeconds });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
