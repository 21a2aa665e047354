/**
 * Every Action.Execute verb any MfaBot card carries. Cards may only use these, and the
 * bot registers one handler per entry, so a button without a handler cannot ship.
 */
export const VERBS = {
  statusRefresh: 'status.refresh',
  policyCreate: 'policy.create',
  policyApprove: 'policy.approve',
  policyReject: 'policy.reject',
  policyEnable: 'policy.enable',
  nudgeSend: 'nudge.send',
  nudgeConfirm: 'nudge.confirm',
  /** Data `roleIds`: the roles the card offered; the server decides which of them still lack MFA on activation. */
  pimRequireMfa: 'pim.requireMfa',
} as const;

export type Verb = (typeof VERBS)[keyof typeof VERBS];

/** Every verb, for handler registration and tests. */
export const ALL_VERBS: readonly Verb[] = Object.freeze(Object.values(VERBS));

export function isVerb(value: unknown): value is Verb {
  return typeof value === 'string' && (ALL_VERBS as readonly string[]).includes(value);
}

/**
 * Id of the nudge picker (`Input.ChoiceSet`, multi-select): Teams sends its value as comma-separated
 * user ids, or `NUDGE_ALL` for every unregistered admin.
 */
export const NUDGE_INPUT_ID = 'admins';

/** The picker value meaning "every unregistered or unknown admin", not only the listed ones. */
export const NUDGE_ALL = 'all';
