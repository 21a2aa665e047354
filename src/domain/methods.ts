/**
 * MFA registration from a user's authentication methods
 * (learn.microsoft.com/graph/api/authentication-list-methods): the answer on tenants whose
 * registration report cannot be read (no Entra ID P1 or P2). Pure.
 */

/** Method types that are no second factor: every user has a password, and email serves only password reset. */
const NOT_A_SECOND_FACTOR: ReadonlySet<string> = new Set([
  '#microsoft.graph.passwordauthenticationmethod',
  '#microsoft.graph.emailauthenticationmethod',
]);

/**
 * Whether the methods include one that can serve as a second factor: anything but a password and an
 * email address (Authenticator, phone, FIDO2, Windows Hello, software OATH, a Temporary Access Pass,
 * a platform credential, and method types Graph adds later). An item without a type says nothing.
 */
export function mfaRegisteredFromMethods(methods: ReadonlyArray<{ '@odata.type'?: unknown }>): boolean {
  return methods.some((m) => typeof m['@odata.type'] === 'string' && !NOT_A_SECOND_FACTOR.has(m['@odata.type'].toLowerCase()));
}
