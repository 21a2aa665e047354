/**
 * The playground: a small Teams-like web client for the simulated tenant, on loopback, for demo mode
 * only. One `node:http` server is at once
 * - the page (`/`, `/app.js`, `/app.css`) and its API (`/api/...`, Server-Sent Events on `/events`);
 * - the relay that hands the activities the page builds to the bot's `/api/messages` (the bot has no
 *   CORS, and the page must reach only the bot);
 * - the Bot Connector the bot replies to (`/connector/v3/...`), which is the serviceUrl of every
 *   activity the page sends, so the bot's code runs exactly as under Teams;
 * - Teams' install notifications when MfaBot gets installed for a user (installs.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackUrl } from '../config';
import { isLoopbackHost, mediaType } from '../http';
import { ROLE_LISTS } from '../domain/roles';
import type { TenantFixture } from '../sim/fixture';
import { clientBundle } from './bundle';
import { findUser, handleConnector } from './connector';
import { InstallNotifier } from './installs';
import { personalConversationId, type PlaygroundConfig, type PlaygroundEventName, type PlaygroundEvents, type RelayResult, type TenantUser, type TenantView } from './protocol';
import { tenantView } from './tenant';
import { isRecord, Transcript } from './transcript';

export interface PlaygroundOptions {
  /** The running bot's base URL on loopback, e.g. http://127.0.0.1:3978 (activities go to /api/messages). */
  botUrl: string;
  /** The simulated tenant (its `/_sim/tenant` and `/_sim/users/{id}/register` are used). */
  simulator: { url: string };
  /** The tenant the bot serves; every activity carries it in channelData.tenant.id. */
  tenantId: string;
  /** Entra object ids of the configured approvers (MFABOT_APPROVERS), for the "you are" picker. */
  approverIds: readonly string[];
  /** MFABOT_APPROVER_GROUP: its transitive members are approvers too. */
  approverGroupId?: string | null;
  /** Roles in scope (MFABOT_ROLES), to tell admins from other users; the CA template's 14 by default. */
  roleIds?: readonly string[];
  /** MfaBot's manifest id in the simulated Teams app catalog; default: the one the simulated tenants use. */
  teamsAppExternalId?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only. */
  host?: '127.0.0.1';
  botName?: string;
  /** Told about relay failures. */
  logger?: { warn(obj: object, msg?: string): void };
}

export interface Playground {
  /** The page, e.g. http://127.0.0.1:3980/ */
  url: string;
  /** The Bot Connector base URL (the serviceUrl of the activities the page sends). */
  connectorUrl: string;
  close(): Promise<void>;
}

/** The bot as the page names it; `28:` like a Teams bot id (the app id is empty in demo mode). */
const BOT_ID = '28:mfabot-playground';
const CHANNEL = { conversationId: '19:security-playground@thread.tacv2', name: 'Security', teamId: '19:it-playground@thread.tacv2', teamName: 'IT' };
/** Teams gives up on a bot after about 15 s (docs/graph-notes.md, "Adaptive Cards in Teams"). */
const BOT_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 1024 * 1024;
/** How long a read of the simulated tenant is reused by the connector's member look-ups. */
const TENANT_CACHE_MS = 1_000;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The playground's state and its parts: the page's API, the relay to the bot, the Bot Connector. */
class PlaygroundServer {
  readonly transcript = new Transcript({ conversationId: CHANNEL.conversationId, name: CHANNEL.name });
  readonly streams = new Set<ServerResponse>();
  connectorUrl = '';
  tenantName = '';
  private readonly botUrl: string;
  private readonly simUrl: string;
  private readonly botName: string;
  private readonly installs: InstallNotifier;
  private tenantCache: { at: number; view: Promise<TenantView> } | undefined;

  constructor(private readonly opts: PlaygroundOptions) {
    this.botUrl = opts.botUrl.replace(/\/+$/, '');
    this.simUrl = opts.simulator.url.replace(/\/+$/, '');
    this.botName = opts.botName ?? 'MfaBot';
    this.installs = new InstallNotifier({
      transcript: this.transcript,
      config: () => this.config(),
      sendToBot: (activity) => sendToBot(this.botUrl, activity),
      logger: opts.logger,
    });
    this.transcript.subscribe((event, data) => {
      for (const res of this.streams) push(res, event, data);
    });
  }

  config(): PlaygroundConfig {
    return { tenantId: this.opts.tenantId, tenantName: this.tenantName, serviceUrl: this.connectorUrl, bot: { id: BOT_ID, name: this.botName }, channel: CHANNEL };
  }

  /** Reads the simulated tenant (reusing a read up to `maxAgeMs` old) and notices new installations of MfaBot. */
  readTenant(maxAgeMs = 0): Promise<TenantView> {
    if (this.tenantCache && Date.now() - this.tenantCache.at <= maxAgeMs) return this.tenantCache.view;
    const { opts } = this;
    const view = (async () => {
      const res = await fetch(`${this.simUrl}/_sim/tenant`);
      if (!res.ok) throw new HttpError(502, `The simulator answered ${res.status} for its tenant`);
      const tenant = (await res.json()) as TenantFixture;
      const read = tenantView(tenant, {
        roleIds: opts.roleIds && opts.roleIds.length > 0 ? opts.roleIds : ROLE_LISTS.template ?? [],
        approverIds: opts.approverIds,
        approverGroupId: opts.approverGroupId ?? null,
        ...(opts.teamsAppExternalId ? { teamsAppExternalId: opts.teamsAppExternalId } : {}),
      });
      this.installs.observe(read.users);
      return read;
    })();
    this.tenantCache = { at: Date.now(), view };
    view.catch(() => { this.tenantCache = undefined; });
    return view;
  }

  private readonly users = async (): Promise<TenantUser[]> => (await this.readTenant(TENANT_CACHE_MS)).users;

  private readonly botInstalledFor = async (userId: string): Promise<boolean> => {
    const view = await this.readTenant();
    await this.installs.settled();
    return view.users.some((u) => u.id === userId && u.botInstalled);
  };

  /** Hands an activity built by the page to the bot, after checking it is one a Teams client could send. */
  async relay(activity: unknown): Promise<RelayResult> {
    if (!isRecord(activity) || (activity.type !== 'message' && activity.type !== 'invoke')) throw new HttpError(400, 'Only message and invoke activities are relayed');
    const from = isRecord(activity.from) ? activity.from : {};
    const user = findUser(await this.users(), from.aadObjectId);
    if (!user) throw new HttpError(400, 'from.aadObjectId must be a user of the simulated tenant');
    const conversationId = isRecord(activity.conversation) ? activity.conversation.id : undefined;
    const personalId = personalConversationId(user.id);
    if (conversationId !== CHANNEL.conversationId && conversationId !== personalId) {
      throw new HttpError(403, 'A user may write in the channel and in their own 1:1 chat only');
    }
    if (conversationId === personalId) this.transcript.personal({ id: user.id, name: user.displayName });
    const outgoing: Record<string, unknown> = {
      ...activity, channelId: 'msteams', serviceUrl: this.connectorUrl,
      from: { id: user.mri, name: user.displayName, aadObjectId: user.id }, recipient: { id: BOT_ID, name: this.botName }, timestamp: new Date().toISOString(),
    };
    if (activity.type === 'message') {
      outgoing.id = this.transcript.nextId();
      this.transcript.post(conversationId, { id: user.mri, name: user.displayName, aadObjectId: user.id, role: 'user' }, {
        id: outgoing.id as string, text: activity.text, attachments: activity.attachments,
      });
      // Teams delivers channel messages to a bot only when they @mention it.
      if (conversationId === CHANNEL.conversationId && !mentionsBot(activity.entities)) return { status: 204 };
    }
    const consent = activity.consent === true;
    delete outgoing.consent;
    const first = await sendToBot(this.botUrl, outgoing);
    const signedIn = await this.signInIfAsked(first, outgoing, user.id, consent);
    if (signedIn.consent) return signedIn;
    const answer = signedIn;
    if (activity.type === 'invoke' && activity.name === 'adaptiveCard/action' && typeof activity.replyToId === 'string') {
      const automatic = isRecord(activity.value) && activity.value.trigger === 'automatic';
      const view = invokeView(answer);
      // Teams keeps the card silently when an automatic refresh fails.
      if (!(automatic && view.error)) this.transcript.setPersonal(conversationId, activity.replyToId, user.id, view);
    }
    if (answer.status >= 500) this.opts.logger?.warn({ status: answer.status, type: activity.type }, 'the bot failed an activity from the playground');
    return answer;
  }

  /**
   * What Teams does when the bot answers a click with a sign-in request: it gets the user's token for
   * MfaBot's API from the identity provider (silently once they have consented) and sends the click
   * again with it. Without consent yet, the page asks the user first.
   */
  private async signInIfAsked(answer: RelayResult, click: Record<string, unknown>, userId: string, consent: boolean): Promise<RelayResult> {
    const body = isRecord(answer.body) ? answer.body : {};
    if (body.statusCode !== 401 || body.type !== 'application/vnd.microsoft.activity.loginRequest' || !isRecord(body.value)) return answer;
    const exchange = isRecord(body.value.tokenExchangeResource) ? body.value.tokenExchangeResource : {};
    const res = await fetch(`${this.simUrl}/_sim/sso`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, resource: String(exchange.uri ?? ''), consent }),
    });
    if (res.status === 403) return { status: 200, consent: { text: typeof body.value.text === 'string' ? body.value.text : 'Sign in to MfaBot.' } };
    if (!res.ok) throw new HttpError(502, `The simulated identity provider answered ${res.status}`);
    const { token } = (await res.json()) as { token: string };
    const value = { ...(isRecord(click.value) ? click.value : {}), authentication: { id: exchange.id, connectionName: body.value.connectionName ?? '', token } };
    return sendToBot(this.botUrl, { ...click, value });
  }

  async register(userId: string): Promise<unknown> {
    const res = await fetch(`${this.simUrl}/_sim/users/${encodeURIComponent(userId)}/register`, { method: 'POST' });
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw new HttpError(res.status, `The simulator answered ${res.status}`);
    this.tenantCache = undefined;
    this.transcript.tenantChanged();
    return body;
  }

  async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const p = url.pathname;
    if (p.startsWith('/connector/')) {
      const out = await handleConnector(method, p.slice('/connector'.length), await readJson(req), {
        transcript: this.transcript, channel: CHANNEL, tenantId: this.opts.tenantId, bot: { id: BOT_ID, name: this.botName },
        users: this.users, botInstalledFor: this.botInstalledFor,
      });
      return sendJson(res, out.status, out.body);
    }
    if (method === 'GET' && (p === '/' || p === '/index.html')) return send(res, 200, 'text/html; charset=utf-8', PAGE);
    if (method === 'GET' && p === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', (await clientBundle()).js);
    if (method === 'GET' && p === '/app.css') return send(res, 200, 'text/css; charset=utf-8', (await clientBundle()).css);
    if (method === 'GET' && p === '/events') return this.openStream(res);
    if (method === 'GET' && p === '/api/config') return sendJson(res, 200, this.config());
    if (method === 'GET' && p === '/api/tenant') return sendJson(res, 200, await this.readTenant());
    if (method === 'POST' && p === '/api/activities') return sendJson(res, 200, await this.relay(await readJson(req)));
    const reg = /^\/api\/users\/([^/]+)\/register$/.exec(p);
    if (method === 'POST' && reg?.[1]) return sendJson(res, 200, await this.register(decodeURIComponent(reg[1])));
    if (method === 'GET' && p === '/healthz') return sendJson(res, 200, { status: 'ok' });
    throw new HttpError(404, `Not found: ${method} ${p}`);
  }

  private openStream(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    push(res, 'snapshot', { conversations: this.transcript.all() });
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }
}

function push<E extends PlaygroundEventName>(res: ServerResponse, event: E, data: PlaygroundEvents[E]): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Starts the playground. Refuses anything but loopback: it disables nothing in the bot, but it relays
 * unauthenticated activities, which only a bot in demo mode (auth disabled) accepts.
 */
export async function startPlayground(opts: PlaygroundOptions): Promise<Playground> {
  for (const [name, url] of [['botUrl', opts.botUrl], ['simulator.url', opts.simulator.url]] as const) {
    if (!isLoopbackUrl(url)) throw new Error(`The playground runs only against a bot and a simulator on loopback (${name}: ${url})`);
  }
  if (opts.host !== undefined && opts.host !== '127.0.0.1') throw new Error('The playground binds to 127.0.0.1 only');
  const playground = new PlaygroundServer(opts);
  const server = createServer((req, res) => {
    // The playground speaks for any user of the simulated tenant with no sign-in: only pages it served
    // itself may drive it. A Host that is not loopback is DNS rebinding; a POST that is not JSON could
    // be another site's form (JSON needs a CORS preflight, which nothing here answers).
    if (!isLoopbackHost(req.headers.host)) return sendJson(res, 403, { error: { message: 'forbidden host' } });
    if (req.method === 'POST' && mediaType(req.headers['content-type']) !== 'application/json') {
      return sendJson(res, 415, { error: { message: 'send application/json' } });
    }
    playground.route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) opts.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'playground request failed');
      if (!res.headersSent) sendJson(res, status, { error: { message: err instanceof Error ? err.message : String(err) } });
      else res.end();
    });
  });
  // Keeps SSE connections from looking idle to proxies and lets the page notice a restart.
  const heartbeat = setInterval(() => {
    for (const res of playground.streams) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  playground.connectorUrl = `${url}/connector/`;
  playground.tenantName = await playground.readTenant().then((t) => t.displayName, () => '');
  // Bundling on start makes the first page load fast and a broken bundle fail loudly at once.
  await clientBundle();

  return {
    url: `${url}/`,
    connectorUrl: playground.connectorUrl,
    async close() {
      clearInterval(heartbeat);
      for (const res of playground.streams) res.end();
      playground.streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function mentionsBot(entities: unknown): boolean {
  return Array.isArray(entities) && entities.some((e) => isRecord(e) && e.type === 'mention' && isRecord(e.mentioned) && e.mentioned.id === BOT_ID);
}

async function sendToBot(botUrl: string, activity: Record<string, unknown>): Promise<RelayResult> {
  try {
    const res = await fetch(`${botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
      signal: AbortSignal.timeout(BOT_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, ...(body !== undefined ? { body } : {}) };
  } catch (err) {
    return { status: 504, body: { error: { message: `MfaBot did not answer: ${err instanceof Error ? err.message : String(err)}` } } };
  }
}

/** What an invoke answer turns the clicked card into for the clicker (docs/graph-notes.md, "Adaptive Cards in Teams"). */
function invokeView(answer: RelayResult): { card?: Record<string, unknown>; note?: string; error?: string } {
  const body = isRecord(answer.body) ? answer.body : {};
  if (answer.status === 200 && body.type === 'application/vnd.microsoft.card.adaptive' && isRecord(body.value)) return { card: body.value };
  if (answer.status === 200 && body.type === 'application/vnd.microsoft.activity.message' && typeof body.value === 'string') return { note: body.value };
  const message = isRecord(body.value) && typeof body.value.message === 'string' ? body.value.message : undefined;
  return { error: message ? `Something went wrong: ${message}` : `Something went wrong (MfaBot answered HTTP ${answer.status}).` };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large');
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Invalid JSON body');
  }
}

function send(res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MfaBot playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
</head>
<body>
<div id="app" aria-busy="true">Loading the playground…</div>
<script src="/app.js"></script>
</body>
</html>
`;
