/**
 * The Teams handlers of MfaBot's changes: the verbs policy.create, policy.enable, pim.requireMfa,
 * policy.approve and policy.reject, and the `audit` command. Thin: who clicked (from the activity,
 * never from card data) → use case → presentation. Card data names at most a proposal id, or the
 * roles a button offered (which can only narrow what the server finds); the policy comes from
 * configuration.
 *
 * A click's work races the invoke budget: in time, the answer is the final card; otherwise the clicker
 * gets a "working" card at once and the result is shown proactively when Graph has answered.
 */
import type { TurnContext } from 'botbuilder';
import { cleanReason, type ProposalKind } from '../domain/approval';
import { isGuid } from '../domain/roles';
import { auditCard, REFRESH_FLAG, proposalClosedCard, workingCard } from '../cards/policy';
import type { AdaptiveCard } from '../cards/types';
import { VERBS, type Verb } from '../cards/verbs';
import type { Logger } from '../log';
import type { Outcome, PolicyService } from '../services/policy';
import { isProposalId } from '../store/proposals';
import type { CommandHandler, VerbHandler } from './app';
import type { BackgroundWork } from './background';
import { errorSummary, failureCard } from './failures';
import { actorOf, referenceOf } from './identity';
import { answerClick, cardActivity, withinBudget } from './invoke';
import type { Lifecycle } from './lifecycle';
import type { PolicyPresenter } from './policyPresenter';
import { showLateIn, type ProactiveMessenger } from './proactive';
import type { SignIn } from './signIn';

export interface PolicyHandlerDeps {
  service: PolicyService;
  presenter: PolicyPresenter;
  messenger: ProactiveMessenger;
  lifecycle: Pick<Lifecycle, 'rememberTeamsId'>;
  /** The clicker's sign-in, for changes made with their own identity. */
  signIn: Pick<SignIn, 'proofOf' | 'ask'>;
  background: BackgroundWork;
  logger: Logger;
  invokeBudgetMs: number;
}

/** Answers a click with its outcome; one that needs the clicker's sign-in asks Teams for it instead. */
async function answer(deps: PolicyHandlerDeps, context: TurnContext, outcome: Outcome): Promise<AdaptiveCard | string> {
  const shown = await deps.presenter.present(context, outcome);
  return shown.signIn ? deps.signIn.ask(context) : answerClick(context, shown, deps.logger);
}

/** Answers within the budget, or with a "working" card while the rest is shown when it is done. */
async function inTimeOrLater(deps: PolicyHandlerDeps, context: TurnContext, kind: ProposalKind, work: Promise<Outcome>): Promise<AdaptiveCard | string> {
  const { logger, presenter } = deps;
  const raced = await withinBudget(work, deps.invokeBudgetMs);
  if (raced.inTime) return answer(deps, context, raced.value);
  const reference = referenceOf(context);
  const activityId = context.activity.replyToId ?? null;
  deps.background.track(deps.messenger.within(reference, async (ctx) => {
    const shown = await work.then(
      (outcome) => presenter.present(ctx, outcome),
      (err: unknown) => {
        logger.error({ err: errorSummary(err) }, 'a slow card action failed');
        return { forAll: false, card: failureCard(err) };
      },
    );
    await showLateIn(ctx, activityId, shown);
  }).catch((err: unknown) => logger.error({ err: errorSummary(err) }, 'finishing a slow card action failed')));
  return answerClick(context, { forAll: false, card: workingCard(kind) }, logger);
}

/** A refresh (automatic, or the read-only card's button): renders for this viewer, decides nothing. */
async function refreshView(deps: PolicyHandlerDeps, context: TurnContext, proposalId: unknown): Promise<AdaptiveCard | string> {
  const { service, presenter, logger } = deps;
  const proposal = await service.proposal(proposalId);
  if (!proposal) return answer(deps, context, { kind: 'unknownProposal' });
  if (proposal.status === 'pending') {
    const { approver } = await service.approverStatus(actorOf(context).id);
    return answerClick(context, { forAll: false, card: await presenter.renderApproval(context, proposal, approver) }, logger);
  }
  if (proposal.status === 'created' || proposal.status === 'enforced') {
    const policy = await service.findExisting().catch(() => null);
    if (policy) {
      const outcome: Outcome = proposal.status === 'created' && policy.state !== 'enabled' ? { kind: 'exists', policy } : { kind: 'alreadyEnforced', policy };
      return answerClick(context, { ...(await presenter.present(context, outcome)), forAll: false }, logger);
    }
  }
  return answerClick(context, { forAll: false, card: proposalClosedCard(proposal) }, logger);
}

/** The role ids a card offered: GUIDs only, at most the size of any scope; anything else is ignored. */
function offeredRoleIds(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
  if (!list) return undefined;
  return [...new Set(list.filter((v): v is string => typeof v === 'string').map((v) => v.trim().toLowerCase()).filter(isGuid))].slice(0, 100);
}

const isRefresh = (context: TurnContext, data: Record<string, unknown>): boolean =>
  data[REFRESH_FLAG] === true || (context.activity.value as { trigger?: unknown } | undefined)?.trigger === 'automatic';

export function createPolicyHandlers(deps: PolicyHandlerDeps): { verbs: Partial<Record<Verb, VerbHandler>>; commands: Record<string, CommandHandler> } {
  const { service, logger } = deps;
  const guarded = (name: string, handler: VerbHandler): VerbHandler => async (context, data) => {
    await deps.lifecycle.rememberTeamsId(context);
    try {
      return await handler(context, data);
    } catch (err) {
      logger.error({ err: errorSummary(err), verb: name }, 'policy action failed');
      throw err;
    }
  };
  /** Approve and Reject: a refresh renders, an id that is no proposal id is not looked up. */
  const decide = (verb: Verb, decision: (context: TurnContext, proposalId: string, data: Record<string, unknown>) => Promise<AdaptiveCard | string>) =>
    guarded(verb, async (context, data) => {
      if (isRefresh(context, data)) return refreshView(deps, context, data.proposalId);
      if (!isProposalId(data.proposalId)) return answer(deps, context, { kind: 'unknownProposal' });
      return decision(context, data.proposalId, data);
    });

  return {
    verbs: {
      // Card data is ignored: the policy comes from configuration and the clicker from the activity.
      [VERBS.policyCreate]: guarded(VERBS.policyCreate, (context) => inTimeOrLater(deps, context, 'create', service.requestCreate(actorOf(context), deps.signIn.proofOf(context)))),
      [VERBS.policyEnable]: guarded(VERBS.policyEnable, (context) => inTimeOrLater(deps, context, 'enable', service.requestEnable(actorOf(context), deps.signIn.proofOf(context)))),
      // The roles come from PIM's settings read now; the card's list can only narrow them.
      [VERBS.pimRequireMfa]: guarded(VERBS.pimRequireMfa, (context, data) =>
        inTimeOrLater(deps, context, 'pimMfa', service.requestPimMfa(actorOf(context), offeredRoleIds(data.roleIds), deps.signIn.proofOf(context)))),
      [VERBS.policyApprove]: decide(VERBS.policyApprove, async (context, proposalId) => {
        const proposal = await service.proposal(proposalId);
        return inTimeOrLater(deps, context, proposal?.kind ?? 'create', service.approve(proposalId, actorOf(context), deps.signIn.proofOf(context)));
      }),
      [VERBS.policyReject]: decide(VERBS.policyReject, async (context, proposalId, data) =>
        answer(deps, context, await service.reject(proposalId, actorOf(context), cleanReason(data.reason)))),
    },
    commands: {
      audit: async (context) => {
        await deps.lifecycle.rememberTeamsId(context);
        const result = await service.auditEntries(actorOf(context));
        await context.sendActivity(result.allowed ? cardActivity(auditCard(result.entries)) : `${result.reason} This attempt was logged.`);
      },
    },
  };
}
