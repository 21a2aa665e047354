import assert from 'node:assert/strict';
import {
  DEFAULT_NUDGE_WINDOW_MS, MAX_NUDGE_SELECTION, isEmptySelection, mayNudge, nextRecheckAt, nudgedWithin, parseNudgeSelection, parseNudgers,
  planNudges, type NudgePlanInput,
} from '../../src/domain/nudge';
import { ROLE } from '../../src/domain/roles';
import { admin, role } from '../cards/fixtures';

const NOW = new Date('2025-11-26T10:00:00Z');
const HOUR = 3_600_000;

const ga = admin({ id: 'a0000000-0000-4000-8000-000000000001', upn: 'ga@x.example', name: 'Gaia', roles: [role(ROLE.globalAdministrator)], mfa: false });
const helpdesk = admin({ id: 'a0000000-0000-4000-8000-000000000002', upn: 'hd@x.example', name: 'Hal', roles: [role(ROLE.helpdeskAdministrator)], mfa: null });
const registered = admin({ id: 'a0000000-0000-4000-8000-000000000003', upn: 'reg@x.example', name: 'Rita', roles: [role(ROLE.userAdministrator)], mfa: true });
const disabled = admin({ id: 'a0000000-0000-4000-8000-000000000004', upn: 'old@x.example', name: 'Olaf', roles: [role(ROLE.exchangeAdministrator)], mfa: false, accountEnabled: false });
const breakGlass = admin({ id: 'b9000000-0000-4000-8000-0000000000b1', upn: 'bg@x.example', name: 'Break Glass', roles: [role(ROLE.globalAdministrator)], mfa: false });
const security = admin({ id: 'a0000000-0000-4000-8000-000000000005', upn: 'sec@x.example', name: 'Sam', roles: [role(ROLE.securityAdministrator, 'eligible')], mfa: false });
const ADMINS = [helpdesk, registered, disabled, breakGlass, security, ga];
const STRANGER = 'a0000000-0000-4000-8000-0000000000ff';

function plan(selection: string, overrides: Partial<NudgePlanInput> = {}) {
  return planNudges({
    selection: parseNudgeSelection(selection),
    admins: ADMINS,
    history: {},
    now: NOW,
    windowMs: DEFAULT_NUDGE_WINDOW_MS,
    breakGlassUserIds: [breakGlass.id],
    ...overrides,
  });
}

const reasons = (p: ReturnType<typeof plan>) => Object.fromEntries(p.skipped.map((s) => [s.id, s.reason.kind]));

describe('nudge planning', () => {
  describe('reading the picker value', () => {
    it('splits Teams\' comma-separated value, lower-cases and de-duplicates ids, and keeps "all" apart', () => {
      const s = parseNudgeSelection(` ${ga.id.toUpperCase()}, all ,${ga.id},,${helpdesk.id}`);
      assert.deepEqual(s, { all: true, ids: [ga.id, helpdesk.id], invalid: [] });
    });

    it('sets aside values that are not user ids without looking them up, cut short', () => {
      const s = parseNudgeSelection(`<script>alert(1)</script>,${'x'.repeat(100)},${ga.id}`);
      assert.deepEqual(s.ids, [ga.id]);
      assert.equal(s.invalid[0], '<script>alert(1)</script>');
      assert.equal(s.invalid[1]?.length, 40);
    });

    it('accepts an array from clients that send one, and ignores anything else', () => {
      assert.deepEqual(parseNudgeSelection([ga.id, 42, 'all']).ids, [ga.id]);
      assert.ok(isEmptySelection(parseNudgeSelection({ admins: ga.id })));
      assert.ok(isEmptySelection(parseNudgeSelection(undefined)));
      assert.ok(isEmptySelection(parseNudgeSelection(' , ')));
    });

    it('reads at most MAX_NUDGE_SELECTION values of a huge tampered value', () => {
      const ids = Array.from({ length: MAX_NUDGE_SELECTION + 50 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
      assert.equal(parseNudgeSelection(ids.join(',')).ids.length, MAX_NUDGE_SELECTION);
    });
  });

  describe('who gets a message', () => {
    it('messages chosen admins who are unregistered or unknown, worst role first', () => {
      const p = plan(`${helpdesk.id},${ga.id}`);
      assert.deepEqual(p.targets.map((a) => a.id), [ga.id, helpdesk.id]);
      assert.deepEqual(p.skipped, []);
    });

    it('drops a registered admin, a non-admin, a made-up id and garbage, each with the reason', () => {
      const p = plan(`${registered.id},${STRANGER},nonsense`);
      assert.deepEqual(p.targets, []);
      assert.deepEqual(reasons(p), { [registered.id]: 'registered', [STRANGER]: 'notAdmin', nonsense: 'invalid' });
      assert.equal(p.skipped.find((s) => s.id === registered.id)?.name, 'Rita', 'known admins are named');
    });

    it('skips an admin nudged within the window, whoever asked, and says when', () => {
      const lastAt = new Date(NOW.getTime() - 2 * HOUR).toISOString();
      const p = plan(`${ga.id},${helpdesk.id}`, { history: { [ga.id]: { lastAt } } });
      assert.deepEqual(p.targets.map((a) => a.id), [helpdesk.id]);
      assert.deepEqual(p.skipped[0]?.reason, { kind: 'recentlyNudged', lastAt });
    });

    it('messages again once the window has passed', () => {
      const lastAt = new Date(NOW.getTime() - 25 * HOUR).toISOString();
      assert.deepEqual(plan(ga.id, { history: { [ga.id]: { lastAt } } }).targets.map((a) => a.id), [ga.id]);
      assert.deepEqual(plan(ga.id, { history: { [ga.id]: { lastAt } }, windowMs: 48 * HOUR }).targets, [], 'the window is configuration');
    });

    it('never messages break-glass or disabled accounts', () => {
      const p = plan(`${breakGlass.id},${disabled.id}`);
      assert.deepEqual(p.targets, []);
      assert.deepEqual(reasons(p), { [breakGlass.id]: 'breakGlass', [disabled.id]: 'disabled' });
    });

    it('"all" means every unregistered or unknown admin, reporting only those it had to leave out', () => {
      const p = plan('all');
      assert.deepEqual(p.targets.map((a) => a.id), [ga.id, security.id, helpdesk.id]);
      assert.deepEqual(reasons(p), { [breakGlass.id]: 'breakGlass', [disabled.id]: 'disabled' }, 'registered admins are not listed as skipped');
    });

    it('decides each admin once when "all" and explicit ids overlap', () => {
      const p = plan(`${ga.id},all,${registered.id}`);
      assert.equal(p.targets.filter((a) => a.id === ga.id).length, 1);
      assert.deepEqual(reasons(p)[registered.id], 'registered');
    });
  });

  describe('the window', () => {
    it('counts a nudge inside the window and none outside, or with no time', () => {
      assert.equal(nudgedWithin(new Date(NOW.getTime() - HOUR).toISOString(), NOW, 2 * HOUR), true);
      assert.equal(nudgedWithin(new Date(NOW.getTime() - 3 * HOUR).toISOString(), NOW, 2 * HOUR), false);
      assert.equal(nudgedWithin(null, NOW, 2 * HOUR), false);
      assert.equal(nudgedWithin('not a date', NOW, 2 * HOUR), false);
    });
  });

  describe('who may nudge', () => {
    it('approvers by default', () => {
      assert.deepEqual(mayNudge('u1', true, { kind: 'approvers' }), { allowed: true });
      const refused = mayNudge('u1', false, { kind: 'approvers' });
      assert.equal(refused.allowed, false);
      assert.match(refused.allowed ? '' : refused.reason, /Only approvers can nudge admins/);
    });

    it('anyone, or the listed people, when configured; never someone Teams did not name', () => {
      assert.equal(mayNudge('u1', false, { kind: 'anyone' }).allowed, true);
      assert.equal(mayNudge('U1', false, { kind: 'users', ids: ['u1'] }).allowed, true);
      assert.equal(mayNudge('u2', true, { kind: 'users', ids: ['u1'] }).allowed, false, 'a listed set replaces the approvers');
      assert.equal(mayNudge('', true, { kind: 'anyone' }).allowed, false);
    });

    it('parses MFABOT_NUDGERS', () => {
      assert.deepEqual(parseNudgers(undefined), { policy: { kind: 'approvers' } });
      assert.deepEqual(parseNudgers(' Approvers '), { policy: { kind: 'approvers' } });
      assert.deepEqual(parseNudgers('anyone'), { policy: { kind: 'anyone' } });
      assert.deepEqual(parseNudgers(`${ga.id.toUpperCase()}, ${helpdesk.id}`), { policy: { kind: 'users', ids: [ga.id, helpdesk.id] } });
      const bad = parseNudgers('everyone,admins');
      assert.ok('problem' in bad);
      assert.match(bad.problem, /"everyone"/);
    });
  });

  describe('re-checks after an unconfirmed "I\'ve registered"', () => {
    it('follow a bounded schedule', () => {
      const delays = [HOUR, 4 * HOUR];
      assert.equal(nextRecheckAt(NOW, 0, delays)?.toISOString(), '2025-11-26T11:00:00.000Z');
      assert.equal(nextRecheckAt(NOW, 1, delays)?.toISOString(), '2025-11-26T14:00:00.000Z');
      assert.equal(nextRecheckAt(NOW, 2, delays), null);
    });
  });
});
