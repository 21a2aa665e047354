/**
 * The help card: what MfaBot can do, how to ask it in a channel, what its buttons do and who approves.
 */
import { card, execute, heading, para, run, text, truncate } from './elements';
import type { AdaptiveCard, CardElement, FactSet } from './types';
import { VERBS } from './verbs';

export interface HelpCardOptions {
  /** The bot's name as people @mention it in channels. */
  botName: string;
  /** Whether the person asking is a configured approver. */
  isApprover?: boolean;
  /** What the person typed when it was not a command: the card then opens by saying so. */
  unknownCommand?: string;
}

/** Renders the help card. */
export function helpCard(opts: HelpCardOptions): AdaptiveCard {
  // The bot name is configuration, but it lands in markdown text: keep it short and markup-free.
  const name = truncate(opts.botName.replace(/[\\`*_[\]()<>#~|]/g, ''), 40) || 'MfaBot';
  const commands: FactSet = {
    type: 'FactSet',
    facts: [
      { title: 'status', value: 'How many admins are registered for MFA, and whether Conditional Access enforces MFA for every admin role.' },
      { title: 'help', value: 'This card.' },
      { title: 'audit', value: 'Approvers: what changed, who asked and who approved it.' },
      { title: 'subscribe daily|weekly', value: 'Approvers, in a channel: post a digest here on a schedule (who registered since, who is still missing).' },
      { title: 'unsubscribe', value: 'Stop the digest in this channel.' },
    ],
  };
  const buttons: FactSet = {
    type: 'FactSet',
    facts: [
      { title: 'Refresh', value: 'Reads the tenant again and updates the status card.' },
      { title: 'Create policy (report-only)', value: 'Proposes a Conditional Access policy that requires MFA for the admin roles in scope, in report-only mode: it enforces nothing yet.' },
      { title: 'Approve / Reject', value: 'An approver accepts or declines a proposed policy; nothing changes in the tenant before approval.' },
      { title: 'Enforce policy', value: 'An approver switches the report-only policy to enforced, once its sign-in results look right.' },
      { title: 'Nudge selected', value: 'Sends each chosen admin a 1:1 Teams message asking them to register for MFA (once per day at most).' },
      { title: "I've registered", value: 'In a nudge: MfaBot checks the registration and tells the channel that asked.' },
    ],
  };
  const opening: CardElement[] = opts.unknownCommand === undefined ? [] : [para([
    run('I did not understand '),
    run(`"${truncate(opts.unknownCommand, 80)}"`, { weight: 'bolder' }),
    run('. Here is what I can do.'),
  ])];
  return card([
    ...opening,
    text(`${name} help`, { size: 'large', weight: 'bolder' }),
    text(`${name} gets every Entra ID administrator registered for MFA and helps enforce MFA for admin roles with Conditional Access.`),
    heading('Commands'),
    commands,
    heading('In a channel'),
    text(`@mention me first: **@${name} status**. In a 1:1 chat just type the command.`, { spacing: 'none' }),
    heading('Buttons'),
    buttons,
    heading('Who can approve'),
    text(
      'Creating, approving, rejecting and turning on a policy is limited to the approvers configured for this bot.',
      { spacing: 'none' },
    ),
    // Said only when known: telling an approver they are not one would be worse than saying nothing.
    ...(opts.isApprover === undefined ? [] : [text(
      opts.isApprover ? 'You are an approver.' : 'You are not an approver; ask your Entra ID administrators if you should be.',
      { color: opts.isApprover ? 'good' : 'default', isSubtle: !opts.isApprover, spacing: 'small' },
    )]),
  ], [execute(VERBS.statusRefresh, 'Show status')]);
}
