/**
 * The Teams application: who may talk to MfaBot at all (Teams, the configured tenant), and which
 * handler answers each activity. Handlers are thin: they call a use case and answer with a card.
 * Every teams-ai and botbuilder import stays in this folder (and the composition root).
 */
import { Application, TurnState, type AdaptiveCard as TeamsAdaptiveCard } from '@microsoft/teams-ai';
import { ActivityTypes, type TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/types';
import { errorCard, helpCard, noticeCard, statusCard } from '../cards';
import type { NudgeHistoryEntry } from '../cards/status';
import { ALL_VERBS, VERBS, type Verb } from '../cards/verbs';
import type { EnforcementAftermath } from '../domain/aftermath';
import type { ImpactSummary } from '../domain/impact';
import type { Logger } from '../log';
import type { StatusService } from '../services/status';
import { parseCommand } from './commands';
import { describeFailure, errorSummary, failureCard, guard } from './failures';
import { tenantOf } from './identity';
import { cardActivity } from './invoke';
import type { Lifecycle } from './lifecycle';
import type { SignIn } from './signIn';

export interface BotDeps {
  status: StatusService;
  logger: Logger;
  botName: string;
  /** The tenant MfaBot serves; activities from any other tenant are refused. */
  tenantId: () => string | null;
  /**
   * Demo mode only: accept activities that carry no tenant at all (Bot Framework Emulator sends none).
   * Activities naming another tenant are refused in every mode.
   */
  allowMissingTenant?: boolean;
  /**
   * Demo mode only: accept channels other than Teams (the Bot Framework Emulator's `emulator`).
   * Otherwise only `msteams` activities are served: the tenant (channelData) and the sender's Entra
   * object id that every check relies on are vouched for by Teams alone; a Direct Line or Web Chat
   * client, whose tokens Bot Framework also signs, chooses them itself.
   */
  allowOtherChannels?: boolean;
  maxAdminsListed: number;
  /** The features' verbs; any verb not listed here answers that it is not available. */
  extraVerbs?: Partial<Record<Verb, VerbHandler>>;
  /** The report-only impact of MfaBot's policy, while it exists and is report-only. */
  policyImpact?: (opts: { fresh?: boolean }) => Promise<ImpactSummary | null>;
  /** For the days after MfaBot enforced its policy: the admins it stopped at sign-in. */
  policyAftermath?: (opts: { fresh?: boolean }) => Promise<EnforcementAftermath | null>;
  /** Whether an Entra object id is an approver (for the help card); errors count as unknown. */
  isApprover?: (aadObjectId: string) => Promise<boolean>;
  /** Nudges already sent, by admin id, for "nudged 2× · last 3 h ago" on the status card. */
  nudgeHistory?: () => Promise<Readonly<Record<string, NudgeHistoryEntry>>>;
  /** Keeps conversation references of installs and of every turn, for proactive messages. */
  lifecycle?: Pick<Lifecycle, 'onInstall' | 'onUninstall' | 'remember'>;
  /** The features' text commands (e.g. `audit`), by first word. */
  extraCommands?: Record<string, CommandHandler>;
  /** Single sign-on: Teams' token exchange invoke that answers an OAuth card. */
  signIn?: Pick<SignIn, 'tokenExchange'>;
}

/** Handles a text command; `args` are the words after it, lower-cased. */
export type CommandHandler = (context: TurnContext, args: string[]) => Promise<void>;

/** Handles one Action.Execute verb: returns the card that replaces the clicked one, or a message. */
export type VerbHandler = (context: TurnContext, data: Record<string, unknown>) => Promise<AdaptiveCard | string>;

const asTeamsCard = (card: AdaptiveCard): TeamsAdaptiveCard => card as unknown as TeamsAdaptiveCard;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createBotApp(deps: BotDeps): Application<TurnState> {
  const app = new Application<TurnState>({
    removeRecipientMention: true,
    // teams-ai keeps one typing timer per application, which concurrent turns would share.
    startTypingTimer: false,
    longRunningMessages: false,
  });
  refuseStrangers(app, deps);
  if (deps.lifecycle) routeLifecycle(app, deps.lifecycle);
  const statusReply = statusReplier(deps);
  routeCardActions(app, deps, statusReply);
  routeMessages(app, deps, statusReply);
  if (deps.signIn) {
    const signIn = deps.signIn;
    app.addRoute(async (context) => context.activity.type === ActivityTypes.Invoke && context.activity.name === 'signin/tokenExchange', (context) => signIn.tokenExchange(context), true);
  }
  routeOtherInvokes(app, deps.logger);
  app.error(async (context, err) => {
    deps.logger.error({ err: errorSummary(err) }, 'turn failed');
    if (context.activity.type === ActivityTypes.Message) {
      const d = describeFailure(err);
      await context.sendActivity(cardActivity(errorCard(d.title, d.detail, { hint: d.hint }))).catch(() => undefined);
    }
  });
  return app;
}

/** Only Teams, and only the configured tenant: anything else gets no reply (an invoke a bare 403). */
function refuseStrangers(app: Application<TurnState>, deps: BotDeps): void {
  const { logger } = deps;
  // Answering would tell a stranger which tenant this bot serves.
  const refuse = async (context: TurnContext): Promise<false> => {
    if (context.activity.type === ActivityTypes.Invoke) {
      await context.sendActivity({ type: 'invokeResponse', value: { status: 403, body: { statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'Forbidden', message: 'Not available in this tenant.' } } } });
    }
    return false;
  };
  app.turn('beforeTurn', async (context) => {
    if (!deps.allowOtherChannels && context.activity.channelId !== 'msteams') {
      logger.warn({ activityType: context.activity.type, channel: String(context.activity.channelId ?? '').slice(0, 40) }, 'refused activity from a channel other than Teams');
      return refuse(context);
    }
    const actual = tenantOf(context);
    const expected = deps.tenantId()?.toLowerCase();
    if (actual !== null && (!expected || actual === expected || (actual === undefined && deps.allowMissingTenant))) return true;
    logger.warn({ activityType: context.activity.type, tenant: actual ?? null }, 'refused activity from another tenant');
    return refuse(context);
  });
}

/** After the tenant check, so activities from other tenants are never remembered. */
function routeLifecycle(app: Application<TurnState>, lifecycle: NonNullable<BotDeps['lifecycle']>): void {
  app.turn('beforeTurn', async (context) => {
    await lifecycle.remember(context);
    return true;
  });
  app.conversationUpdate('membersAdded', async (context) => lifecycle.onInstall(context));
  app.conversationUpdate('membersRemoved', async (context) => lifecycle.onUninstall(context));
  app.activity('installationUpdate', async (context) => {
    await (context.activity.action === 'remove' ? lifecycle.onUninstall(context) : lifecycle.onInstall(context));
  });
}

type StatusReplier = (fresh: boolean) => Promise<AdaptiveCard>;

function statusReplier(deps: BotDeps): StatusReplier {
  return async (fresh) => {
    try {
      const [report, impact, aftermath, nudgeHistory] = await Promise.all([
        deps.status.get({ fresh }),
        deps.policyImpact ? deps.policyImpact({ fresh }).catch(() => null) : Promise.resolve(null),
        deps.policyAftermath ? deps.policyAftermath({ fresh }).catch(() => null) : Promise.resolve(null),
        deps.nudgeHistory ? deps.nudgeHistory().catch(() => undefined) : Promise.resolve(undefined),
      ]);
      return statusCard(report, { now: new Date(), maxAdminsListed: deps.maxAdminsListed, impact, aftermath, nudgeHistory });
    } catch (err) {
      deps.logger.error({ err: errorSummary(err) }, 'status failed');
      return failureCard(err);
    }
  };
}

function routeCardActions(app: Application<TurnState>, deps: BotDeps, statusReply: StatusReplier): void {
  const { logger } = deps;
  const handlers: Record<Verb, VerbHandler> = {
    [VERBS.statusRefresh]: async () => statusReply(true),
    [VERBS.policyCreate]: notAvailable('Creating the Conditional Access policy'),
    [VERBS.policyApprove]: notAvailable('Approving a policy'),
    [VERBS.policyReject]: notAvailable('Rejecting a policy'),
    [VERBS.policyEnable]: notAvailable('Enforcing the policy'),
    [VERBS.nudgeSend]: notAvailable('Nudging admins'),
    [VERBS.nudgeConfirm]: notAvailable('Confirming MFA registration'),
    [VERBS.pimRequireMfa]: notAvailable('Requiring MFA on PIM activation'),
    ...deps.extraVerbs,
  };
  for (const verb of ALL_VERBS) {
    const handler = handlers[verb];
    app.adaptiveCards.actionExecute<Record<string, unknown>>(verb, async (context, _state, data) => {
      logger.info({ verb, from: context.activity.from?.aadObjectId ?? null }, 'card action');
      const result = await guard(logger, () => handler(context, isRecord(data) ? data : {}));
      return typeof result === 'string' ? result : asTeamsCard(result);
    });
    // Clients without Universal Actions send the Action.Submit fallback: answer in the conversation.
    app.adaptiveCards.actionSubmit<Record<string, unknown>>(verb, async (context, _state, data) => {
      const result = await guard(logger, () => handler(context, isRecord(data) ? data : {}));
      await context.sendActivity(typeof result === 'string' ? result : cardActivity(result));
    });
  }
  // An Action.Execute with a verb nobody handles (tampered or stale card): a clear answer, not a 501.
  app.addRoute(
    async (context) => context.activity.type === ActivityTypes.Invoke && context.activity.name === 'adaptiveCard/action'
      && !ALL_VERBS.includes((context.activity.value as { action?: { verb?: string } } | undefined)?.action?.verb as Verb),
    async (context) => {
      logger.warn('card action with an unknown verb');
      await context.sendActivity({
        type: 'invokeResponse',
        value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: noticeCard('This button is not recognised', 'The card may be out of date. Type "status" for a fresh one.') } },
      });
    },
    true,
  );
}

/** After the Action.Submit routes: a Submit fallback is a message too, and the first matching route wins. */
function routeMessages(app: Application<TurnState>, deps: BotDeps, statusReply: StatusReplier): void {
  const approverOrUnknown = async (context: TurnContext): Promise<boolean | undefined> => {
    const id = context.activity.from?.aadObjectId;
    if (!id || !deps.isApprover) return undefined;
    return deps.isApprover(id).catch(() => undefined);
  };
  app.activity(ActivityTypes.Message, async (context) => {
    const command = parseCommand(context.activity.text);
    const extra = deps.extraCommands?.[command.word];
    deps.logger.info({ command: extra ? command.word : command.name }, 'message');
    if (extra && command.name === 'unknown') return extra(context, command.args);
    if (command.name === 'status') {
      await context.sendActivity({ type: ActivityTypes.Typing });
      await context.sendActivity(cardActivity(await statusReply(false)));
      return;
    }
    const unknownCommand = command.name === 'help' ? undefined : command.text;
    await context.sendActivity(cardActivity(helpCard({ botName: deps.botName, unknownCommand, isApprover: await approverOrUnknown(context) })));
  });
}

/** Any other invoke: say plainly that MfaBot does not handle it, rather than botbuilder's bare 501. */
function routeOtherInvokes(app: Application<TurnState>, logger: Logger): void {
  app.addRoute(
    async (context) => context.activity.type === ActivityTypes.Invoke && context.activity.name !== 'adaptiveCard/action',
    async (context) => {
      logger.warn({ invoke: String(context.activity.name ?? '').slice(0, 80) }, 'unsupported invoke');
      await context.sendActivity({ type: 'invokeResponse', value: { status: 400, body: { error: 'MfaBot does not handle this invoke.' } } });
    },
    true,
  );
}

function notAvailable(what: string): VerbHandler {
  return async () => noticeCard(`${what} is not available yet`, 'This version of MfaBot reports status only. Type "status" for the latest report.');
}
