/**
 * The nudge feature's Teams handlers: the verbs nudge.send and nudge.confirm, and the `subscribe` /
 * `unsubscribe` commands. Thin: who clicked (from the activity, never from card data) → use case →
 * card. Card data names whom to nudge (re-checked on the server), never who is asking.
 *
 * A Nudge click races the invoke budget: when delivery is done in time the answer is the result card
 * (replacing the channel card for everyone); otherwise a progress card replaces it at once and the
 * results replace that when delivery has finished.
 */
import type { TurnContext } from 'botbuilder';
import { isCadence } from '../domain/digest';
import { noticeCard } from '../cards/message';
import { notYetCard, nudgeProgressCard, nudgeResultCard, registeredThanksCard } from '../cards/nudge';
import type { AdaptiveCard } from '../cards/types';
import { NUDGE_INPUT_ID, VERBS, type Verb } from '../cards/verbs';
import type { Logger } from '../log';
import type { DigestService } from '../services/digest';
import type { NudgeOutcome, NudgeService } from '../services/nudge';
import type { NudgeBatch } from '../store/nudges';
import type { CommandHandler, VerbHandler } from './app';
import type { BackgroundWork } from './background';
import { errorSummary, failureCard } from './failures';
import { actorOf, referenceOf, teamOf } from './identity';
import { answerClick, withinBudget, type Presentation } from './invoke';
import type { Lifecycle } from './lifecycle';
import type { ProactiveMessenger } from './proactive';

export interface NudgeHandlerDeps {
  service: NudgeService;
  digests: DigestService;
  messenger: ProactiveMessenger;
  lifecycle: Pick<Lifecycle, 'tenantFor'>;
  background: BackgroundWork;
  logger: Logger;
  now: () => Date;
  invokeBudgetMs: number;
  /** The same admin is nudged at most once per window (for the result card's wording). */
  windowMs: number;
  /** When digests are posted, for the subscribe answer. */
  digestHourUtc: number;
  digestWeekday: number;
  /** The bot's Microsoft App ID ('' in demo mode), for the bot's Teams id when the activity has none. */
  botAppId: string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function createNudgeHandlers(deps: NudgeHandlerDeps) {
  const { service, logger, now } = deps;
  const windowHours = Math.max(1, Math.round(deps.windowMs / 3_600_000));

  const resultCard = (batch: NudgeBatch): AdaptiveCard => nudgeResultCard({
    requestedBy: batch.requestedBy.name || 'someone', at: batch.createdAt, results: batch.results, now: now(), windowHours,
  });

  const present = (outcome: NudgeOutcome): Presentation => presentNudge(outcome, resultCard);

  const sendNudge: VerbHandler = async (context, data) => {
    const actor = actorOf(context);
    const channel = referenceOf(context);
    let planned: number | null = null;
    const work = deps.background.track(service.nudge({
      actor,
      selection: data[NUDGE_INPUT_ID],
      tenantId: deps.lifecycle.tenantFor(context),
      channel,
      cardActivityId: context.activity.replyToId ?? null,
      serviceUrl: context.activity.serviceUrl,
      bot: { id: context.activity.recipient?.id ?? `28:${deps.botAppId}`, ...(context.activity.recipient?.name ? { name: context.activity.recipient.name } : {}) },
    }, { planned: (n) => { planned = n; } }));

    const raced = await withinBudget(work, deps.invokeBudgetMs);
    if (raced.inTime) return answerClick(context, present(raced.value), logger);
    // Slow (a big "all", throttling): the progress card replaces the clicked one for everyone now, and
    // the results (or the failure) replace it in turn; without a card to replace they are posted.
    const activityId = context.activity.replyToId ?? null;
    deps.background.track(work.then(
      (outcome) => ({ ...present(outcome), forAll: true }),
      (err: unknown) => {
        logger.error({ err: errorSummary(err) }, 'a slow nudge failed');
        return { forAll: true, card: failureCard(err) };
      },
    ).then((shown) => deps.messenger.showLate(channel, activityId, shown))
      .catch((err: unknown) => logger.error({ err: errorSummary(err) }, 'could not show the nudge results')));
    return answerClick(context, { forAll: true, card: nudgeProgressCard(planned, actor.name || 'someone') }, logger);
  };

  const confirmRegistered: VerbHandler = async (context, data) => {
    const actor = actorOf(context);
    if (!actor.id) return answerClick(context, { forAll: false, card: noticeCard('Who are you?', 'Teams did not say who clicked, so MfaBot cannot check your registration.') }, logger);
    const outcome = await service.confirm(actor);
    const batchId = typeof data.batchId === 'string' ? data.batchId.slice(0, 64) : outcome.batchId ?? '';
    // The note to the channel goes out after the answer: a throttled connector must not delay the click.
    if (outcome.kind === 'registered') void deps.background.track(outcome.told);
    const card = outcome.kind === 'registered' ? registeredThanksCard(actor.name || 'there', outcome.telling) : notYetCard(batchId, outcome.nextCheckAt);
    return answerClick(context, { forAll: false, card }, logger);
  };

  /** Nudges queued by a stopped instance: delivered, and the card that asked shows the results. */
  const resumeQueued = async (): Promise<void> => {
    for (const batch of await service.resumeQueued()) {
      if (!batch.channel) continue;
      await deps.messenger.showLate(batch.channel, batch.cardActivityId ?? null, { forAll: true, card: resultCard(batch) })
        .catch((err: unknown) => logger.warn({ err: errorSummary(err), batchId: batch.id }, 'could not show the results of resumed nudges'));
    }
  };

  const verbs: Partial<Record<Verb, VerbHandler>> = { [VERBS.nudgeSend]: sendNudge, [VERBS.nudgeConfirm]: confirmRegistered };
  return { verbs, commands: digestCommands(deps), resumeQueued };
}

/** `subscribe daily|weekly` and `unsubscribe` in a channel (approvers only; the use case decides). */
function digestCommands(deps: NudgeHandlerDeps): Record<string, CommandHandler> {
  const subscribe: CommandHandler = async (context, args) => {
    const cadence = args[0] ?? '';
    if (!isCadence(cadence)) {
      await context.sendActivity('Say "subscribe daily" or "subscribe weekly" (mentioning MfaBot) in the channel that should get the digest.');
      return;
    }
    const outcome = await deps.digests.subscribe({
      actor: actorOf(context), cadence, reference: referenceOf(context), tenantId: deps.lifecycle.tenantFor(context), teamId: teamOf(context),
    });
    if (outcome.kind === 'refused') {
      await context.sendActivity(`${outcome.reason} Nothing was changed.`);
      return;
    }
    const hour = `${String(deps.digestHourUtc).padStart(2, '0')}:00 UTC`;
    const when = cadence === 'daily' ? `every day at ${hour}` : `every ${WEEKDAYS[deps.digestWeekday]} at ${hour}`;
    const changed = outcome.changed ? ` (was ${outcome.changed})` : '';
    await context.sendActivity(`Subscribed${changed}: MfaBot will post the admin MFA digest here ${when}. Say "unsubscribe" to stop.`);
  };

  const unsubscribe: CommandHandler = async (context: TurnContext) => {
    const outcome = await deps.digests.unsubscribe({ actor: actorOf(context), conversationId: context.activity.conversation?.id ?? '' });
    await context.sendActivity(outcome.kind === 'refused' ? `${outcome.reason} Nothing was changed.`
      : outcome.kind === 'unsubscribed' ? `Unsubscribed: no more ${outcome.cadence} digests here.` : 'This conversation has no digest subscription.');
  };
  return { subscribe, unsubscribe };
}

function presentNudge(outcome: NudgeOutcome, resultCard: (batch: NudgeBatch) => AdaptiveCard): Presentation {
  switch (outcome.kind) {
    case 'refused':
      return { forAll: false, card: noticeCard('You cannot nudge admins', `${outcome.reason} Nobody was messaged.`) };
    case 'empty':
      return { forAll: false, card: noticeCard('Nobody chosen', 'Choose at least one admin (or "All unregistered admins") in the picker, then click Nudge selected.') };
    case 'done':
      return { forAll: true, card: resultCard(outcome.batch) };
  }
}
