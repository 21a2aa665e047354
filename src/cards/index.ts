/** The card builders: pure functions from domain data to Adaptive Cards. */
export { statusCard, relativeTime, DEFAULT_MAX_ADMINS_LISTED, MAX_NUDGE_CHOICES, MAX_UNCOVERED_ROLES } from './status';
export type { StatusCardOptions, NudgeHistoryEntry } from './status';
export { helpCard } from './help';
export type { HelpCardOptions } from './help';
export { errorCard, noticeCard } from './message';
export type { ErrorCardOptions } from './message';
export { MAX_CARD_BYTES, CardTooLargeError, cardBytes, fitCard } from './elements';
export { VERBS, ALL_VERBS, NUDGE_INPUT_ID, NUDGE_ALL, isVerb } from './verbs';
export type { Verb } from './verbs';
export type * from './types';
