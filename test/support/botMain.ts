/**
 * Child-process entry for tests that need MfaBot's real entry point (`main`: console routing, signal
 * handling) with app credentials offline: MSAL reaches the local identity provider at
 * MFABOT_TEST_IDP_URL (see identityProvider.ts), which no environment variable of MfaBot can say.
 */
import { main } from '../../src/index';
import { LOGIN_HOST, localNetwork } from './identityProvider';

const idp = process.env.MFABOT_TEST_IDP_URL;
main(process.env, idp ? { botTokenNetwork: { knownAuthorities: [LOGIN_HOST], networkClient: localNetwork(idp) } } : {}).then(() => {
  // For the test of the process-level guard: a rejection and an exception nobody handles, once running.
  if (process.env.MFABOT_TEST_UNHANDLED === '1') {
    void Promise.reject(new Error('a rejection nobody handled'));
    setImmediate(() => { throw new Error('an exception nobody caught'); });
  }
}).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
