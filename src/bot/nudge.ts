/**
 * Teams handlers of the nudge feature: the Action.Execute verbs nudge.send and nudge.confirm, the
 * `subscribe` / `unsubscribe` commands, the install/uninstall bookkeeping of conversation
 * references, and the timer that posts digests and re-checks registrations. Thin: who clicked (from
 * the activity, never from card data) → use case → card. Plugged into createBotApp through
 * `extraVerbs` / `extraCommands`, and into the Application's conversationUpdate/installationUpdate
 * routes, by the composition root.
 *
 * A Nudge click races a time budget (default 4 s), as the policy feature does: when delivery is done
 * in time the answer is the result card (also replacing the channel card for everyone); otherwise a
 * progress card answers at once and the results replace it proactively when delivery finishes.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import {
  CardFactory, MessageFactory, TurnContext, type Activity, type CloudAdapter, type ConversationParameters, type ConversationReference,
} from 'botbuilder';
import type { CommandHandler, VerbHandler } from './app';
import { describeFailure, errorSummary } from './app';
import type { Person } from '../domain/approval';
import { isCadence } from '../domain/digest';
import type { NudgerPolicy } from '../domain/nudge';
import { noticeCard, errorCard } from '../cards/message';
import { notYetCard, nudgeProgressCard, nudgeResultCard, registeredThanksCard } from '../cards/nudge';
import type { AdaptiveCard } from '../cards/types';
import { NUDGE_INPUT_ID, VERBS, type Verb } from '../cards/verbs';
import { GraphTeamsGateway, type TeamsGateway } from '../graph/teamsGateway';
import { parseRetryAfter } from '../http';
import type { Logger } from '../log';
import { DigestService } from '../services/digest';
import { DeliveryError, NudgeService, policyOutlookFrom, type Messenger, type NudgeOutcome } from '../services/nudge';
import type { StatusService } from '../services/status';
import { ConversationStore, type ConversationRef } from '../store/conversations';
import type { KeyValueStore } from '../store/kv';
import { OperationLock } from '../store/lock';
import { NudgeStore, type NudgeBatch, type NudgeCount } from '../store/nudges';
import { ProposalStore } from '../store/proposals';
import { SubscriptionStore } from '../store/subscriptions';

export interface NudgeFeatureSettings {
  /** MfaBot's Teams app manifest id (`externalId` in the org catalog), to install it for admins; null: never install. */
  teamsAppExternalId: string | null;
  /** The same admin is nudged at most once per window (default 24 h). */
  windowMs: number;
  /** Who may nudge (MFABOT_NUDGERS). */
  nudgers: NudgerPolicy;
  /** Used when `isApprover` is not given. */
  approverIds: readonly string[];
  breakGlassUserIds: readonly string[];
  /** Digests are posted at this hour (UTC), weekly ones on `digestWeekday` (0 = Sunday; default Monday). */
  digestHourUtc: number;
  digestWeekday?: number;
  maxAdminsListed: number;
  /** Deliveries in flight at once (default 4). */
  concurrency?: number;
  recheckDelaysMs?: readonly number[];
}

export interface NudgeFeatureDeps {
  /** Graph client and its base URL (the same ones the status gateway uses). */
  client: Client;
  baseUrl: string;
  /** Where references, nudge history, subscriptions and leases are kept. */
  store: KeyValueStore;
  adapter: CloudAdapter;
  /** The bot's Microsoft App ID ('' in demo mode). */
  botAppId: string;
  logger: Logger;
  /** Source of the admin set every nudge is checked against; told to drop its cache after a registration. */
  status: Pick<StatusService, 'get' | 'invalidate'>;
  settings: NudgeFeatureSettings;
  /** Approver check (the policy feature's knows the approver group); default: `settings.approverIds`. */
  isApprover?: (userId: string) => Promise<boolean>;
  /** The tenant MfaBot serves, for work no activity names a tenant for (re-checks). */
  tenantId?: () => string | null;
  now?: () => Date;
  /** How long a Nudge click may take before a progress card answers (default 4000 ms). */
  invokeBudgetMs?: number;
  /** How often the scheduler looks for due digests and re-checks (default 60 s). */
  tickMs?: number;
  /** Bot Framework audience for proactive calls (default the public cloud's). */
  audience?: string;
  /** Replaces the Graph gateway (tests). */
  teams?: TeamsGateway;
  /** Waits between connector retries (tests). */
  sleep?: (ms: number) => Promise<void>;
}

export interface NudgeFeature {
  /** For createBotApp's `extraVerbs`: nudge.send and nudge.confirm. */
  verbs: Partial<Record<Verb, VerbHandler>>;
  /** For createBotApp's `extraCommands`: subscribe, unsubscribe. */
  commands: Record<string, CommandHandler>;
  /** conversationUpdate (membersAdded) and installationUpdate (add): keeps the user's 1:1 reference. */
  onInstall(context: TurnContext): Promise<void>;
  /** conversationUpdate (membersRemoved) and installationUpdate (remove): forgets the reference / the channel's digests. */
  onUninstall(context: TurnContext): Promise<void>;
  /** Any activity (beforeTurn): keeps the sender's 1:1 reference when a message or click comes from a personal chat. */
  remember(context: TurnContext): Promise<void>;
  /** Delivered nudges per admin, for the status card's `nudgeHistory`. */
  nudgeHistory(): Promise<Record<string, NudgeCount>>;
  /** One scheduler pass: nudges a stopped instance queued, due digests, then due re-checks. */
  tick(): Promise<void>;
  /** Starts the scheduler: one pass at once (work left by a stopped instance), then every `tickMs`. */
  start(): void;
  /**
   * Graceful shutdown: stops the scheduler and nudge delivery. Deliveries under way finish (see
   * `idle`); admins not messaged yet are queued in storage for the next start.
   */
  stop(): void;
  /** Resolves when work that outlived its turn (slow nudges, a tick) has finished. */
  idle(): Promise<void>;
  service: NudgeService;
  digests: DigestService;
  conversations: ConversationStore;
}

const PUBLIC_AUDIENCE = 'https://api.botframework.com';
const CHANNEL_ID = 'msteams';

function tenantOf(context: TurnContext): string | undefined {
  const a = context.activity;
  const fromChannelData = (a.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  if (typeof fromChannelData === 'string' && fromChannelData) return fromChannelData.toLowerCase();
  return typeof a.conversation?.tenantId === 'string' && a.conversation.tenantId ? a.conversation.tenantId.toLowerCase() : undefined;
}

function teamOf(context: TurnContext): string | null {
  const id = (context.activity.channelData as { team?: { id?: unknown } } | undefined)?.team?.id;
  return typeof id === 'string' && id ? id : null;
}

const isPersonal = (context: TurnContext): boolean => context.activity.conversation?.conversationType === 'personal';

/** The reference of the turn's conversation, as plain JSON. */
function referenceOf(context: TurnContext): ConversationRef {
  const r = TurnContext.getConversationReference(context.activity);
  const c = r.conversation;
  return {
    channelId: r.channelId ?? CHANNEL_ID,
    serviceUrl: r.serviceUrl ?? '',
    conversation: {
      id: c?.id ?? '',
      // Proactive sends refuse references without the tenant: keep the one Teams named in channelData.
      ...(c?.tenantId || tenantOf(context) ? { tenantId: c?.tenantId ?? tenantOf(context) } : {}),
      ...(c?.conversationType ? { conversationType: c.conversationType } : {}),
      ...(typeof c?.isGroup === 'boolean' ? { isGroup: c.isGroup } : {}),
    },
    bot: { id: r.bot?.id ?? '', ...(r.bot?.name ? { name: r.bot.name } : {}) },
    ...(r.user?.id ? { user: { id: r.user.id, ...(r.user.name ? { name: r.user.name } : {}), ...(r.user.aadObjectId ? { aadObjectId: r.user.aadObjectId } : {}) } } : {}),
  };
}

/** A Bot Connector error (RestError from botframework-connector) as a DeliveryError. */
function deliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as { statusCode?: unknown; code?: unknown; message?: unknown; details?: { error?: { code?: unknown } }; response?: { headers?: { get?: (name: string) => string | undefined } } };
  const status = typeof e.statusCode === 'number' && e.statusCode > 0 ? e.statusCode : null;
  const retryAfterMs = parseRetryAfter(e.response?.headers?.get?.('retry-after'), Date.now());
  const code = typeof e.details?.error?.code === 'string' ? e.details.error.code : typeof e.code === 'string' ? e.code : null;
  return new DeliveryError(`Bot Connector: ${typeof e.message === 'string' ? e.message.slice(0, 200) : 'request failed'}`, status, retryAfterMs, code);
}

/**
 * The Messenger port over CloudAdapter's proactive calls. With `tenantId` known, every proactive
 * message stays in that tenant whatever storage holds: a reference naming another tenant is refused
 * (as a 403, so a stored chat is replaced and a digest subscription dropped), and new 1:1 chats are
 * created in the configured tenant only.
 */
export function createMessenger(
  adapter: CloudAdapter,
  botAppId: string,
  opts: { audience?: string; tenantId?: () => string | null; logger?: Logger } = {},
): Messenger & { update(reference: ConversationRef, activityId: string, card: AdaptiveCard): Promise<void> } {
  const audience = opts.audience ?? PUBLIC_AUDIENCE;
  const tenantId = opts.tenantId ?? (() => null);
  const cardActivity = (card: AdaptiveCard) => MessageFactory.attachment(CardFactory.adaptiveCard(card));
  /**
   * With a tenant configured, a conversation must name it. One that names no tenant is refused too: it
   * was not stored from a Teams activity of this tenant, and continuing it would send the bot's token
   * to whatever serviceUrl it holds.
   */
  const otherTenant = (named: string | undefined): boolean => {
    const expected = tenantId()?.toLowerCase();
    return Boolean(expected && named?.toLowerCase() !== expected);
  };
  const refused = (named: string | undefined) => {
    opts.logger?.warn({ tenant: named ?? null }, 'refused a proactive message to a conversation of another tenant');
    return new DeliveryError('Refused: the conversation belongs to another tenant than the one MfaBot serves.', 403, null, 'OtherTenant');
  };
  /**
   * Runs `logic` in the referenced conversation and rethrows what it threw: the adapter would hand a
   * failure inside the turn to its onTurnError (which logs it and answers in that conversation)
   * instead of to the caller, so a throttled send would look delivered.
   */
  const proactive = async (reference: ConversationRef, logic: (ctx: TurnContext) => Promise<void>): Promise<void> => {
    if (otherTenant(reference.conversation.tenantId)) throw refused(reference.conversation.tenantId);
    let failure: { err: unknown } | null = null;
    try {
      await adapter.continueConversationAsync(botAppId, reference as Partial<ConversationReference>, audience, async (ctx) => {
        try {
          await logic(ctx);
        } catch (err) {
          failure = { err };
        }
      });
    } catch (err) {
      throw deliveryError(err);
    }
    if (failure) throw deliveryError((failure as { err: unknown }).err);
  };
  return {
    send: (reference, card) => proactive(reference, async (ctx) => {
      await ctx.sendActivity(cardActivity(card));
    }),
    async createPersonal({ serviceUrl, tenantId: requested, userId, bot }) {
      if (requested && otherTenant(requested)) throw refused(requested);
      const tenant = tenantId() ?? requested;
      let conversationId = '';
      const parameters = {
        isGroup: false,
        bot: { id: bot.id, name: bot.name ?? 'MfaBot' },
        // The user's Entra object id works as the member id once MfaBot is installed for them (facts §10).
        members: [{ id: userId }],
        tenantId: tenant,
        channelData: { tenant: { id: tenant } },
      } as ConversationParameters;
      try {
        await adapter.createConversationAsync(botAppId, CHANNEL_ID, serviceUrl, audience, parameters, async (ctx) => {
          conversationId = ctx.activity.conversation?.id ?? '';
        });
      } catch (err) {
        throw deliveryError(err);
      }
      if (!conversationId) throw new DeliveryError('Bot Connector created no conversation id.', 502);
      return {
        channelId: CHANNEL_ID,
        serviceUrl,
        conversation: { id: conversationId, tenantId: tenant, conversationType: 'personal', isGroup: false },
        bot: { id: bot.id, ...(bot.name ? { name: bot.name } : {}) },
        user: { id: userId, aadObjectId: userId },
      };
    },
    update: (reference, activityId, card) => proactive(reference, async (ctx) => {
      const activity: Partial<Activity> = cardActivity(card);
      activity.id = activityId;
      await ctx.updateActivity(activity);
    }),
  };
}

/** Builds the feature: stores, Graph gateway, use cases, the Teams handlers and the scheduler. */
export function createNudgeFeature(deps: NudgeFeatureDeps): NudgeFeature {
  const { logger, store, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const budgetMs = deps.invokeBudgetMs ?? 4_000;
  const windowHours = Math.max(1, Math.round(settings.windowMs / 3_600_000));
  const messenger = createMessenger(deps.adapter, deps.botAppId, { audience: deps.audience, tenantId: () => deps.tenantId?.() ?? null, logger });
  const conversations = new ConversationStore(store);
  const nudges = new NudgeStore(store);
  const proposals = new ProposalStore(store);
  const approverIds = new Set(settings.approverIds.map((id) => id.toLowerCase()));
  const isApprover = deps.isApprover ?? (async (id: string) => approverIds.has(id.toLowerCase()));
  const policyOutlook = () => policyOutlookFrom(proposals, now());
  const service = new NudgeService({
    status: deps.status,
    teams: deps.teams ?? new GraphTeamsGateway({ client: deps.client, baseUrl: deps.baseUrl }),
    messenger,
    conversations,
    nudges,
    settings: {
      teamsAppExternalId: settings.teamsAppExternalId,
      windowMs: settings.windowMs,
      nudgers: settings.nudgers,
      breakGlassUserIds: settings.breakGlassUserIds,
      concurrency: settings.concurrency,
      recheckDelaysMs: settings.recheckDelaysMs,
    },
    isApprover,
    policyOutlook,
    logger,
    now,
    sleep: deps.sleep,
  });
  const digests = new DigestService({
    subscriptions: new SubscriptionStore(store),
    lock: new OperationLock(store, now),
    status: deps.status,
    messenger,
    isApprover,
    settings: { hourUtc: settings.digestHourUtc, weekday: settings.digestWeekday ?? 1, maxAdminsListed: settings.maxAdminsListed },
    logger,
    nudgeHistory: () => nudges.history(),
    policyOutlook,
    now,
  });
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    void work.then(() => pending.delete(work), () => pending.delete(work));
    return work;
  };

  const actorOf = (context: TurnContext): Person => ({
    id: (context.activity.from?.aadObjectId ?? '').toLowerCase(),
    name: context.activity.from?.name ?? '',
  });
  const tenantFor = (context: TurnContext): string => tenantOf(context) ?? deps.tenantId?.()?.toLowerCase() ?? '';

  const remember = async (context: TurnContext): Promise<void> => {
    const a = context.activity;
    const aad = a.from?.aadObjectId;
    const tenant = tenantFor(context);
    // Installs and uninstalls are onInstall's and onUninstall's to decide.
    if (a.type !== 'message' && a.type !== 'invoke') return;
    if (!isPersonal(context) || !aad || !tenant || !a.serviceUrl || !a.conversation?.id) return;
    try {
      await conversations.save({ tenantId: tenant, aadObjectId: aad, reference: referenceOf(context), savedAt: now().toISOString(), source: 'message' });
    } catch (err) {
      logger.warn({ err: errorSummary(err) }, 'could not keep a conversation reference');
    }
  };

  const onInstall = async (context: TurnContext): Promise<void> => {
    const a = context.activity;
    if (a.type === 'conversationUpdate' && !(a.membersAdded ?? []).some((m) => m.id === a.recipient?.id)) return;
    if (a.type === 'installationUpdate' && !String(a.action ?? 'add').startsWith('add')) return;
    if (!isPersonal(context)) return;
    const aad = a.from?.aadObjectId;
    const tenant = tenantFor(context);
    if (!aad || !tenant) return;
    await conversations.save({ tenantId: tenant, aadObjectId: aad, reference: referenceOf(context), savedAt: now().toISOString(), source: 'install' });
    logger.info({ user: aad }, 'MfaBot installed for a user: conversation reference kept');
  };

  const onUninstall = async (context: TurnContext): Promise<void> => {
    const a = context.activity;
    if (a.type === 'conversationUpdate' && !(a.membersRemoved ?? []).some((m) => m.id === a.recipient?.id)) return;
    if (a.type === 'installationUpdate' && a.action !== 'remove') return;
    if (isPersonal(context)) {
      const aad = a.from?.aadObjectId;
      const tenant = tenantFor(context);
      if (!aad || !tenant) return;
      await conversations.remove(tenant, aad);
      logger.info({ user: aad }, 'MfaBot uninstalled by a user: conversation reference removed');
      return;
    }
    const removed = await digests.forget({ teamId: teamOf(context), conversationId: a.conversation?.id ?? null });
    if (removed > 0) logger.info({ removed }, 'MfaBot removed from a team: its digest subscriptions stopped');
  };

  /** Answers the invoke itself (teams-ai then leaves it alone) and, for `forAll`, replaces the clicked card for everyone. */
  const answer = async (context: TurnContext, card: AdaptiveCard, forAll: boolean): Promise<AdaptiveCard> => {
    const replyToId = context.activity.replyToId;
    if (forAll && replyToId) {
      const activity: Partial<Activity> = MessageFactory.attachment(CardFactory.adaptiveCard(card));
      activity.id = replyToId;
      await context.updateActivity(activity).catch((err: unknown) => logger.warn({ err: errorSummary(err) }, 'could not update the card for everyone'));
    }
    if (context.activity.type === 'invoke') {
      await context.sendActivity({ type: 'invokeResponse', value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } } });
    }
    return card;
  };

  const resultCard = (batch: NudgeBatch): AdaptiveCard => nudgeResultCard({
    requestedBy: batch.requestedBy.name || 'someone', at: batch.createdAt, results: batch.results, now: now(), windowHours,
  });

  const present = (outcome: NudgeOutcome): { card: AdaptiveCard; forAll: boolean } => {
    switch (outcome.kind) {
      case 'refused':
        return { forAll: false, card: noticeCard('You cannot nudge admins', `${outcome.reason} Nobody was messaged.`) };
      case 'empty':
        return { forAll: false, card: noticeCard('Nobody chosen', 'Choose at least one admin (or "All unregistered admins") in the picker, then click Nudge selected.') };
      case 'done':
        return { forAll: true, card: resultCard(outcome.batch) };
    }
  };

  const sendNudge: VerbHandler = async (context, data) => {
    await remember(context);
    const actor = actorOf(context);
    const channel = referenceOf(context);
    let planned: number | null = null;
    const work = track(service.nudge({
      actor,
      selection: data[NUDGE_INPUT_ID],
      tenantId: tenantFor(context),
      channel,
      cardActivityId: context.activity.replyToId ?? null,
      serviceUrl: context.activity.serviceUrl,
      bot: { id: context.activity.recipient?.id ?? `28:${deps.botAppId}`, ...(context.activity.recipient?.name ? { name: context.activity.recipient.name } : {}) },
    }, { planned: (n) => { planned = n; } }));

    const timedOut = Symbol('timedOut');
    let timer: NodeJS.Timeout | undefined;
    const raced = await Promise.race([work, new Promise<typeof timedOut>((r) => { timer = setTimeout(() => r(timedOut), budgetMs); })])
      .finally(() => clearTimeout(timer));
    if (raced !== timedOut) {
      const shown = present(raced);
      return answer(context, shown.card, shown.forAll);
    }
    // Slow (a big "all", throttling): answer now, replace the card with the results when they are in.
    const activityId = context.activity.replyToId ?? null;
    void track(work.then(
      async (outcome) => {
        // The progress card replaced the clicked one for everyone, so the outcome replaces it in turn.
        const shown = present(outcome);
        if (activityId) await messenger.update(channel, activityId, shown.card);
        else await messenger.send(channel, shown.card);
      },
      async (err: unknown) => {
        logger.error({ err: errorSummary(err) }, 'a slow nudge failed');
        const d = describeFailure(err);
        const card = errorCard(d.title, d.detail, { hint: d.hint, requestId: d.requestId });
        // The progress card replaced the clicked one for everyone; without it (an Action.Submit
        // fallback), a new message is the only way the clicker hears of the failure.
        if (activityId) await messenger.update(channel, activityId, card);
        else await messenger.send(channel, card);
      },
    ).catch((err: unknown) => logger.error({ err: errorSummary(err) }, 'could not show the nudge results')));
    return answer(context, nudgeProgressCard(planned, actor.name || 'someone'), true);
  };

  const confirmRegistered: VerbHandler = async (context, data) => {
    await remember(context);
    const actor = actorOf(context);
    if (!actor.id) return answer(context, noticeCard('Who are you?', 'Teams did not say who clicked, so MfaBot cannot check your registration.'), false);
    const outcome = await service.confirm(actor);
    const batchId = typeof data.batchId === 'string' ? data.batchId.slice(0, 64) : outcome.batchId ?? '';
    // The note to the channel goes out after the answer: a throttled connector must not delay the click.
    if (outcome.kind === 'registered') void track(outcome.told);
    const card = outcome.kind === 'registered'
      ? registeredThanksCard(actor.name || 'there', outcome.telling)
      : notYetCard(batchId, outcome.nextCheckAt);
    return answer(context, card, false);
  };

  const verbs: Partial<Record<Verb, VerbHandler>> = {
    // Card data names who to nudge (re-checked server-side), never who is asking.
    [VERBS.nudgeSend]: sendNudge,
    // The clicker is the admin whose registration is checked; card data only names the nudge.
    [VERBS.nudgeConfirm]: confirmRegistered,
  };

  const commands: Record<string, CommandHandler> = {
    subscribe: async (context, args) => {
      const cadence = args[0] ?? '';
      if (!isCadence(cadence)) {
        await context.sendActivity('Say "subscribe daily" or "subscribe weekly" (mentioning MfaBot) in the channel that should get the digest.');
        return;
      }
      const outcome = await digests.subscribe({
        actor: actorOf(context), cadence, reference: referenceOf(context), tenantId: tenantFor(context), teamId: teamOf(context),
      });
      if (outcome.kind === 'refused') {
        await context.sendActivity(`${outcome.reason} Nothing was changed.`);
        return;
      }
      const hour = `${String(settings.digestHourUtc).padStart(2, '0')}:00 UTC`;
      const when = cadence === 'daily' ? `every day at ${hour}` : `every ${['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][settings.digestWeekday ?? 1]} at ${hour}`;
      const changed = outcome.changed ? ` (was ${outcome.changed})` : '';
      await context.sendActivity(`Subscribed${changed}: MfaBot will post the admin MFA digest here ${when}. Say "unsubscribe" to stop.`);
    },
    unsubscribe: async (context) => {
      const outcome = await digests.unsubscribe({ actor: actorOf(context), conversationId: context.activity.conversation?.id ?? '' });
      const reply = outcome.kind === 'refused' ? `${outcome.reason} Nothing was changed.`
        : outcome.kind === 'unsubscribed' ? `Unsubscribed: no more ${outcome.cadence} digests here.`
          : 'This conversation has no digest subscription.';
      await context.sendActivity(reply);
    },
  };

  /** Nudges queued by a stopped instance: delivered, and the card that asked shows the results. */
  const resumeQueued = async (): Promise<void> => {
    for (const batch of await service.resumeQueued()) {
      if (!batch.channel) continue;
      const card = resultCard(batch);
      try {
        if (batch.cardActivityId) await messenger.update(batch.channel, batch.cardActivityId, card);
        else await messenger.send(batch.channel, card);
      } catch (err) {
        logger.warn({ err: errorSummary(err), batchId: batch.id }, 'could not show the results of resumed nudges');
      }
    }
  };

  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;
  const tick = (): Promise<void> => {
    ticking ??= track((async () => {
      try {
        await resumeQueued();
      } catch (err) {
        logger.warn({ err: errorSummary(err) }, 'resuming queued nudges failed');
      }
      try {
        await digests.tick();
        await service.recheckDue(deps.tenantId?.() ?? null);
      } catch (err) {
        logger.warn({ err: errorSummary(err) }, 'scheduler pass failed');
      }
    })().finally(() => {
      ticking = null;
    }));
    return ticking;
  };

  return {
    verbs,
    commands,
    onInstall: async (context) => {
      try {
        await onInstall(context);
      } catch (err) {
        logger.warn({ err: errorSummary(err) }, 'could not record an installation');
      }
    },
    onUninstall: async (context) => {
      try {
        await onUninstall(context);
      } catch (err) {
        logger.warn({ err: errorSummary(err) }, 'could not record an uninstallation');
      }
    },
    remember,
    nudgeHistory: () => nudges.history(),
    tick,
    start() {
      if (timer) return;
      timer = setInterval(() => void tick(), deps.tickMs ?? 60_000);
      timer.unref();
      // Work a stopped instance left (queued nudges) and digests owed while none ran: now, not a tick later.
      void tick();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      service.drain();
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    service,
    digests,
    conversations,
  };
}
