/**
 * Teams handlers of the policy feature: the Action.Execute verbs policy.create, policy.approve,
 * policy.reject and policy.enable, and the `audit` command. Thin: who clicked (from the activity,
 * never from card data) → use case → card. Plugged into createBotApp through `extraVerbs` and
 * `extraCommands` by `createPolicyFeature`.
 *
 * Invoke answers: Teams wants one within a few seconds. Each click's work races a budget (default 4 s):
 * when it finishes in time (always against the simulator, usually against Graph) the answer is the
 * final card; otherwise the clicker gets a "working" card at once and the result replaces the card for
 * everyone when Graph answers, sent proactively through the adapter with the turn's conversation
 * reference. The handlers answer invokes themselves, so teams-ai never turns a card with `refresh`
 * into an update for everyone by accident.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import {
  CardFactory, MessageFactory, TeamsInfo, TurnContext, type Activity, type CloudAdapter, type ConversationReference,
} from 'botbuilder';
import type { CommandHandler, VerbHandler } from './app';
import { describeFailure, errorSummary } from './app';
import { cleanReason, type Person, type Proposal } from '../domain/approval';
import type { ImpactSummary } from '../domain/impact';
import {
  REFRESH_FLAG, approvalCard, auditCard, policyBlockedCard, policyCreatedCard, policyEnforcedCard, policyFailedCard,
  proposalClosedCard, refusalCard, workingCard,
} from '../cards/policy';
import { errorCard, noticeCard } from '../cards/message';
import type { AdaptiveCard } from '../cards/types';
import { VERBS, type Verb } from '../cards/verbs';
import { GraphPolicyGateway, type PolicyGateway } from '../graph/policyGateway';
import type { Logger } from '../log';
import { PolicyService, type Outcome, type PolicyFeatureSettings } from '../services/policy';
import type { StatusService } from '../services/status';
import { AuditLog } from '../store/audit';
import { readOne, type KeyValueStore } from '../store/kv';
import { OperationLock } from '../store/lock';
import { ProposalStore, isProposalId } from '../store/proposals';

export interface PolicyFeatureDeps {
  /** Told when MfaBot changed the tenant's policies, so caches of them can be dropped. */
  onChanged?: () => void;
  /** Graph client and its base URL (the same ones the status gateway uses). */
  client: Client;
  baseUrl: string;
  /** Where proposals, the audit log, leases and Teams ids are kept (FileStore, MemoryStorage, BlobsStorage). */
  store: KeyValueStore;
  settings: PolicyFeatureSettings;
  /** For finishing slow work proactively. */
  adapter: CloudAdapter;
  /** The bot's Microsoft App ID ('' in demo mode). */
  botAppId: string;
  logger: Logger;
  /** Supplies admins for the impact summary and is told to drop its cache after a change. */
  status?: StatusService;
  now?: () => Date;
  /** How long a click's work may take before the invoke is answered with a "working" card (default 4000 ms). */
  invokeBudgetMs?: number;
  /** Replaces the Graph gateway (tests). */
  gateway?: PolicyGateway;
  /** Waits between attempts to store an audit entry (tests shorten them). */
  auditRetryDelaysMs?: readonly number[];
}

export interface PolicyFeature {
  /** For createBotApp's `extraVerbs`. */
  verbs: Partial<Record<Verb, VerbHandler>>;
  /** For createBotApp's `extraCommands`. */
  commands: Record<string, CommandHandler>;
  service: PolicyService;
  /** What enforcing MfaBot's report-only policy would do; null when there is no such policy. */
  impactSummary(): Promise<ImpactSummary | null>;
  /** Resolves when work that outlived its invoke has finished (tests, graceful shutdown). */
  idle(): Promise<void>;
}

/** What a click results in, before it is sent. */
interface Presentation {
  card?: AdaptiveCard;
  message?: string;
  /** Replace the clicked card for everyone in the conversation (the state of the request changed). */
  forAll: boolean;
}

type Kind = 'create' | 'enable';

const INVOKE_RESPONSE = 'invokeResponse';
const mriKey = (aadObjectId: string): string => `teams/mri/${aadObjectId.toLowerCase()}`;

/** Builds the feature: stores, Graph gateway, use cases and the Teams handlers. */
export function createPolicyFeature(deps: PolicyFeatureDeps): PolicyFeature {
  const { logger, store } = deps;
  const now = deps.now ?? (() => new Date());
  const budgetMs = deps.invokeBudgetMs ?? 4_000;
  const gateway = deps.gateway ?? new GraphPolicyGateway({ client: deps.client, baseUrl: deps.baseUrl });
  const service = new PolicyService({
    gateway,
    proposals: new ProposalStore(store),
    audit: new AuditLog(store),
    lock: new OperationLock(store, now),
    settings: deps.settings,
    logger,
    now,
    auditRetryDelaysMs: deps.auditRetryDelaysMs,
    admins: deps.status ? async () => (await deps.status?.get())?.admins ?? null : undefined,
    onChanged: () => {
      deps.status?.invalidate();
      deps.onChanged?.();
    },
  });
  const pending = new Set<Promise<void>>();

  const actorOf = (context: TurnContext): Person => ({
    id: (context.activity.from?.aadObjectId ?? '').toLowerCase(),
    name: context.activity.from?.name ?? 'someone',
  });

  /** Keeps each clicker's Teams id (29:…) so approval cards can name approvers in `refresh.userIds`. */
  const rememberMri = async (context: TurnContext): Promise<void> => {
    const { aadObjectId, id } = context.activity.from ?? {};
    if (!aadObjectId || !id) return;
    try {
      const known = await readOne<{ mri: string }>(store, mriKey(aadObjectId));
      if (known?.mri !== id) await store.write({ [mriKey(aadObjectId)]: { mri: id } });
    } catch (err) {
      logger.warn({ err: errorSummary(err) }, 'could not remember a Teams user id');
    }
  };

  /** Approvers' Teams ids: remembered ones, else asked from Teams (best effort, bounded in time). */
  const approverMris = async (context: TurnContext, approvers: { id: string }[]): Promise<string[]> => {
    const out: string[] = [];
    await Promise.all(approvers.slice(0, 60).map(async ({ id }) => {
      const known = await readOne<{ mri: string }>(store, mriKey(id)).catch(() => undefined);
      if (known?.mri) {
        out.push(known.mri);
        return;
      }
      try {
        const member = await withTimeout(TeamsInfo.getMember(context, id), 1_500);
        if (member?.id) out.push(member.id);
      } catch {
        // Not in this conversation, or the connector cannot say: the card's button still works for them.
      }
    }));
    return out.sort();
  };

  const renderApproval = async (context: TurnContext, proposal: Proposal, actionable: boolean, note?: string): Promise<AdaptiveCard> => {
    const view = await service.approvalView(proposal);
    const refreshUserIds = proposal.card?.refreshUserIds ?? await approverMris(context, view.approvers);
    return approvalCard({ ...view, refreshUserIds, actionable, note });
  };

  /** Turns an outcome into what the clicker (or everyone) sees; posts the approval card for new requests. */
  const present = async (context: TurnContext, outcome: Outcome): Promise<Presentation> => {
    switch (outcome.kind) {
      case 'created':
        return {
          forAll: true,
          card: policyCreatedCard({
            policyId: outcome.record.policyId, displayName: outcome.record.displayName, state: outcome.record.state,
            at: outcome.record.createdAt, requestedBy: outcome.record.requestedBy, approvedBy: outcome.approvedBy,
          }),
        };
      case 'exists': {
        const r = outcome.record;
        return {
          forAll: outcome.proposal !== undefined,
          card: policyCreatedCard({
            policyId: outcome.policy.id ?? '', displayName: outcome.policy.displayName ?? '', state: String(outcome.policy.state ?? ''),
            at: r?.createdAt ?? outcome.policy.createdDateTime ?? now().toISOString(),
            requestedBy: r?.requestedBy ?? { id: '', name: 'unknown' }, approvedBy: r?.createdBy ?? { id: '', name: 'unknown' },
            alreadyExisted: true,
            impact: outcome.policy.state === 'enabled' ? null : await service.impactSummary().catch(() => null),
          }),
        };
      }
      case 'enforced':
        return {
          forAll: true,
          card: policyEnforcedCard({
            policyId: outcome.record.policyId, displayName: outcome.record.displayName, state: 'enabled',
            at: outcome.record.enforcedAt ?? now().toISOString(), requestedBy: outcome.requestedBy, approvedBy: outcome.approvedBy,
          }),
        };
      case 'alreadyEnforced': {
        const r = outcome.record;
        return {
          forAll: outcome.proposal !== undefined,
          card: policyEnforcedCard({
            policyId: outcome.policy.id ?? '', displayName: outcome.policy.displayName ?? '', state: 'enabled',
            at: r?.enforcedAt ?? now().toISOString(), requestedBy: r?.requestedBy ?? { id: '', name: 'unknown' },
            approvedBy: r?.enforcedBy ?? { id: '', name: 'unknown' }, alreadyExisted: true,
          }),
        };
      }
      case 'noPolicy':
        return { forAll: false, card: noticeCard('MfaBot\'s policy does not exist', 'There is nothing to enforce. Click "Create policy (report-only)" on a status card first. Nothing was changed.') };
      case 'proposed': {
        if (!outcome.isNew) {
          const p = outcome.proposal;
          return { forAll: false, message: `A request to ${p.kind === 'create' ? 'create' : 'enforce'} the policy is already waiting for an approver (asked by ${p.requestedBy.name}, expires ${p.expiresAt.slice(0, 16).replace('T', ' ')} UTC).` };
        }
        const view = await service.approvalView(outcome.proposal);
        const refreshUserIds = await approverMris(context, view.approvers);
        const posted = await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(
          approvalCard({ ...view, refreshUserIds, actionable: false }),
        )));
        await service.rememberCard(outcome.proposal.id, {
          conversationId: context.activity.conversation?.id ?? '', activityId: posted?.id ?? null, refreshUserIds,
        });
        const names = view.approvers.map((a) => a.displayName).join(', ') || 'nobody (no approver is configured)';
        const verb = outcome.proposal.kind === 'create' ? 'create' : 'enforce';
        return { forAll: false, message: `MfaBot asked the approvers to ${verb} the policy: ${names}. The request is in this conversation and expires ${outcome.proposal.expiresAt.slice(0, 16).replace('T', ' ')} UTC.` };
      }
      case 'rejected':
      case 'expired':
        return { forAll: true, card: proposalClosedCard(outcome.proposal) };
      case 'closed':
        return { forAll: false, card: proposalClosedCard(outcome.proposal) };
      case 'unknownProposal':
        return { forAll: false, card: noticeCard('This request is not known', 'The card may be out of date or altered. Nothing was changed.') };
      case 'refused':
        return {
          forAll: false,
          card: outcome.proposal && outcome.proposal.status === 'pending'
            ? await renderApproval(context, outcome.proposal, false, `${outcome.reason} Nothing was changed; this attempt was recorded.`)
            : refusalCard(outcome.reason),
        };
      case 'blocked':
        return { forAll: false, card: policyBlockedCard(outcome.action, outcome.blockers) };
      case 'busy':
        return { forAll: false, card: noticeCard('Already in progress', 'Another click is creating or enforcing the policy right now. This card will not change anything; type "status" in a moment to see the result.') };
      case 'failed':
        return { forAll: false, card: policyFailedCard(outcome.action, outcome.failure) };
    }
  };

  /** Sends a presentation as the answer to the click (and updates the clicked card for everyone). */
  const answer = async (context: TurnContext, shown: Presentation): Promise<AdaptiveCard | string> => {
    const replyToId = context.activity.replyToId;
    if (shown.forAll && shown.card && replyToId) {
      await updateCard(context, replyToId, shown.card).catch((err: unknown) => logger.warn({ err: errorSummary(err) }, 'could not update the card for everyone'));
    }
    const result: AdaptiveCard | string = shown.card ?? shown.message ?? '';
    if (context.activity.type === 'invoke') await sendInvokeResponse(context, result);
    return result;
  };

  /** Runs `work` within the invoke budget; when it takes longer, answers "working" and finishes proactively. */
  const withinBudget = async (context: TurnContext, kind: Kind, work: Promise<Outcome>): Promise<AdaptiveCard | string> => {
    const timedOut = Symbol('timedOut');
    let timer: NodeJS.Timeout | undefined;
    const raced = await Promise.race([work, new Promise<typeof timedOut>((r) => { timer = setTimeout(() => r(timedOut), budgetMs); })]);
    clearTimeout(timer);
    if (raced !== timedOut) return answer(context, await present(context, raced));

    const reference = TurnContext.getConversationReference(context.activity);
    const activityId = context.activity.replyToId ?? null;
    const finish = work
      .then(
        (outcome) => finishProactively(reference, activityId, outcome),
        (err: unknown) => {
          logger.error({ err: errorSummary(err) }, 'a slow card action failed');
          const d = describeFailure(err);
          return finishProactively(reference, activityId, null, { forAll: false, card: errorCard(d.title, d.detail, { hint: d.hint, requestId: d.requestId }) });
        },
      )
      .catch((err: unknown) => logger.error({ err: errorSummary(err) }, 'finishing a slow card action failed'));
    pending.add(finish);
    void finish.finally(() => pending.delete(finish));
    return answer(context, { forAll: false, card: workingCard(kind) });
  };

  /**
   * Shows the outcome of work that outlived its invoke: a result that changes the request for everyone
   * replaces the clicked card; any other (busy, failed, refused) is posted as a new message, so the
   * card everyone shares keeps its buttons. `failed` is shown when the work threw.
   */
  const finishProactively = async (
    reference: Partial<ConversationReference>, activityId: string | null, outcome: Outcome | null, failed?: Presentation,
  ): Promise<void> => {
    // The adapter hands errors thrown in here to onTurnError (which would post a generic error in the
    // channel) instead of rejecting: catch them inside and rethrow here, where the caller logs them.
    let failure: { err: unknown } | null = null;
    await deps.adapter.continueConversationAsync(deps.botAppId, reference, async (ctx) => {
      try {
        const shown: Presentation = outcome ? await present(ctx, outcome) : failed ?? { forAll: false };
        if (shown.card && activityId && shown.forAll) await updateCard(ctx, activityId, shown.card);
        else if (shown.card) await ctx.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(shown.card)));
        else if (shown.message) await ctx.sendActivity(shown.message);
      } catch (err) {
        failure = { err };
      }
    });
    if (failure) throw (failure as { err: unknown }).err;
  };

  /** A refresh (automatic, or the read-only card's button): renders for this viewer, decides nothing. */
  const refreshView = async (context: TurnContext, proposalId: unknown): Promise<AdaptiveCard | string> => {
    const proposal = await service.proposal(proposalId);
    if (!proposal) return answer(context, await present(context, { kind: 'unknownProposal' }));
    if (proposal.status === 'pending') {
      const actor = actorOf(context);
      const { approver } = await service.approverStatus(actor.id);
      const card = await renderApproval(context, proposal, approver);
      return answer(context, { forAll: false, card });
    }
    if (proposal.status === 'created' || proposal.status === 'enforced') {
      const policy = await service.findExisting().catch(() => null);
      if (policy) {
        const outcome: Outcome = proposal.status === 'created' && policy.state !== 'enabled'
          ? { kind: 'exists', policy }
          : { kind: 'alreadyEnforced', policy };
        const shown = await present(context, outcome);
        return answer(context, { ...shown, forAll: false });
      }
    }
    return answer(context, { forAll: false, card: proposalClosedCard(proposal) });
  };

  const isRefresh = (context: TurnContext, data: Record<string, unknown>): boolean =>
    data[REFRESH_FLAG] === true || (context.activity.value as { trigger?: unknown } | undefined)?.trigger === 'automatic';

  const guarded = (name: string, handler: VerbHandler): VerbHandler => async (context, data) => {
    await rememberMri(context);
    try {
      return await handler(context, data);
    } catch (err) {
      logger.error({ err: errorSummary(err), verb: name }, 'policy action failed');
      throw err;
    }
  };

  const verbs: Partial<Record<Verb, VerbHandler>> = {
    // Card data is ignored: the policy comes from configuration and the clicker from the activity.
    [VERBS.policyCreate]: guarded(VERBS.policyCreate, (context) => withinBudget(context, 'create', service.requestCreate(actorOf(context)))),
    [VERBS.policyEnable]: guarded(VERBS.policyEnable, (context) => withinBudget(context, 'enable', service.requestEnable(actorOf(context)))),
    [VERBS.policyApprove]: guarded(VERBS.policyApprove, async (context, data) => {
      if (isRefresh(context, data)) return refreshView(context, data.proposalId);
      if (!isProposalId(data.proposalId)) return answer(context, await present(context, { kind: 'unknownProposal' }));
      const proposal = await service.proposal(data.proposalId);
      return withinBudget(context, proposal?.kind ?? 'create', service.approve(data.proposalId, actorOf(context)));
    }),
    [VERBS.policyReject]: guarded(VERBS.policyReject, async (context, data) => {
      if (isRefresh(context, data)) return refreshView(context, data.proposalId);
      if (!isProposalId(data.proposalId)) return answer(context, await present(context, { kind: 'unknownProposal' }));
      return answer(context, await present(context, await service.reject(data.proposalId, actorOf(context), cleanReason(data.reason))));
    }),
  };

  const commands: Record<string, CommandHandler> = {
    audit: async (context) => {
      await rememberMri(context);
      const result = await service.auditEntries(actorOf(context));
      if (!result.allowed) {
        await context.sendActivity(`${result.reason} This attempt was recorded.`);
        return;
      }
      await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(auditCard(result.entries))));
    },
  };

  return {
    verbs,
    commands,
    service,
    impactSummary: () => service.impactSummary(),
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

async function updateCard(context: TurnContext, activityId: string, card: AdaptiveCard): Promise<void> {
  const activity: Partial<Activity> = MessageFactory.attachment(CardFactory.adaptiveCard(card));
  activity.id = activityId;
  await context.updateActivity(activity);
}

/** Answers the invoke directly, so teams-ai does not answer it again (or update the card for all). */
async function sendInvokeResponse(context: TurnContext, result: AdaptiveCard | string): Promise<void> {
  const body = typeof result === 'string'
    ? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: result }
    : { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: result };
  await context.sendActivity({ type: INVOKE_RESPONSE, value: { status: 200, body } });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); }),
  ]);
}
