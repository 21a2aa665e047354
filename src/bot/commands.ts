/**
 * Text commands. The recipient mention has already been removed by its entity (teams-ai's
 * removeRecipientMention); what is left is normalised here.
 */

export type CommandName = 'status' | 'help' | 'unknown';

export interface Command {
  name: CommandName;
  /** The first word, lower-cased (for commands added by features). */
  word: string;
  /** The words after the command, lower-cased. */
  args: string[];
  /** What the user typed, trimmed and bounded, for "unknown command" answers. */
  text: string;
}

const ALIASES: Record<string, CommandName> = {
  status: 'status',
  report: 'status',
  coverage: 'status',
  help: 'help',
  '?': 'help',
  hi: 'help',
  hello: 'help',
};

/** Longest text considered; anything longer is not a command anyway. */
const MAX_TEXT = 200;

export function parseCommand(text: string | undefined | null): Command {
  const cleaned = (text ?? '')
    .slice(0, 4 * MAX_TEXT)
    // Leftover mention markup of other users or a client that sent no mention entity.
    .replace(/<at>[^<]{0,200}<\/at>/gi, ' ')
    .replace(/<[^>]{0,200}>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\uFEFF]/g, '')
    .trim()
    .slice(0, MAX_TEXT);
  const words = cleaned.split(/\s+/).filter((w) => w.length > 0).map((w) => w.toLowerCase().replace(/^[/!]+|[.!?,;:]+$/g, ''));
  const first = words[0] ?? '';
  const name = first === '' ? 'help' : ALIASES[first] ?? 'unknown';
  return { name, word: first, args: words.slice(1), text: cleaned };
}
