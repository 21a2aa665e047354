import assert from 'node:assert/strict';
import { MAX_CARD_BYTES, NUDGE_ALL, NUDGE_INPUT_ID, VERBS, cardBytes, statusCard } from '../../src/cards';
import type { AdaptiveCard, TextBlock } from '../../src/cards/types';
import {
  NOW, POLICY_NAME, ROLE, admin, allRegisteredAndCovered, freeLicenceNoneCovered, generatedTenant, hugeTenant, makeReport,
  p2WithEligibleAdmins, role, score, securityDefaultsOn, tailspin, uncoveredCa, withCaveats,
} from './fixtures';
import {
  choiceSets, containers, donuts, executeActions, lineIndex, lines, tableText, tables,
} from './inspect';
import { validateCard } from './validate';

function lineWith(card: AdaptiveCard, needle: string | RegExp): string {
  const index = lineIndex(card, needle);
  assert.ok(index >= 0, `no line matches ${String(needle)}:\n${lines(card).join('\n')}`);
  return lines(card)[index];
}

function unregistered(count: number) {
  return Array.from({ length: count }, (_, i) => admin({
    upn: `user${String(i).padStart(3, '0')}@contoso.com`,
    roles: [role(ROLE.helpdeskAdministrator)],
    mfa: false,
  }));
}

describe('statusCard', () => {
  describe('headline', () => {
    it('says how many admins of how many are registered, in large bold text, first', () => {
      const card = statusCard(p2WithEligibleAdmins(), { now: NOW });
      const first = card.body[0] as TextBlock;
      assert.equal(first.text, '2 of 5 admins are registered for MFA');
      assert.equal(first.size, 'large');
      assert.equal(first.weight, 'bolder');
    });

    it('names the tenant and the report time in UTC', () => {
      const card = statusCard(allRegisteredAndCovered(), { now: NOW });
      assert.equal(lines(card)[1], 'Contoso · as of 2025-11-26 08:55 UTC');
    });

    it('uses the singular for one admin', () => {
      const report = makeReport({ admins: [admin({ upn: 'a@contoso.com', roles: [role(ROLE.globalAdministrator)], mfa: true })] });
      assert.equal(lines(statusCard(report, { now: NOW }))[0], '1 of 1 admin is registered for MFA');
    });
  });

  describe('chart', () => {
    it('draws registered, not registered and unknown, with the same numbers in words as fallback', () => {
      const [donut] = donuts(statusCard(p2WithEligibleAdmins(), { now: NOW }));
      assert.deepEqual(donut.data, [
        { legend: 'Registered', value: 2, color: 'good' },
        { legend: 'Not registered', value: 2, color: 'attention' },
        { legend: 'Unknown', value: 1, color: 'warning' },
      ]);
      assert.equal((donut.fallback as TextBlock).text, 'Registered: 2 · Not registered: 2 · Unknown: 1');
    });
  });

  describe('Secure Score', () => {
    it('shows the AdminMFAV2 points and implementation status', () => {
      const card = statusCard(p2WithEligibleAdmins(), { now: NOW });
      assert.match(lineWith(card, 'Require MFA for administrative roles'), /4\.29 of 10 points · Partially implemented$/);
    });

    it('says "not available", with the caveat that explains why', () => {
      const card = statusCard(withCaveats(), { now: NOW });
      assert.match(lineWith(card, 'Require MFA for administrative roles'), /not available \(Secure Score could not be read\)$/);
    });

    it('says "not available" when the score is missing without a caveat', () => {
      const report = makeReport({ admins: [], secureScore: score(null, 10, null) });
      assert.match(lineWith(statusCard(report, { now: NOW }), 'Require MFA for administrative roles'), /: not available$/);
    });
  });

  describe('caveats', () => {
    it('are flagged under the headline and listed, with what is missing, in a warning container before the role table', () => {
      const card = statusCard(withCaveats(), { now: NOW });
      assert.match(lines(card)[2], /^Partial data: 2 parts of the tenant could not be read/);
      const box = containers(card).find((c) => c.style === 'warning');
      assert.ok(box, 'no warning container');
      const boxIndex = card.body.indexOf(box);
      const tableIndex = card.body.findIndex((e) => e.type === 'Table');
      assert.ok(boxIndex >= 0 && boxIndex < tableIndex, 'caveats come before the role table');
      assert.ok(lineWith(card, 'PIM eligible assignments').endsWith('Needs: RoleEligibilitySchedule.Read.Directory.'));
      assert.equal(lineWith(card, 'Secure Score could not be read.'), 'Secure Score could not be read. Needs: SecurityEvents.Read.All.');
    });

    it('are absent when everything was read', () => {
      const card = statusCard(allRegisteredAndCovered(), { now: NOW });
      assert.equal(containers(card).filter((c) => c.style === 'warning').length, 0);
      assert.equal(lineIndex(card, 'Partial data'), -1);
    });
  });

  describe('role table', () => {
    it('has the six columns and lists roles worst first as the report orders them', () => {
      const [table] = tables(statusCard(p2WithEligibleAdmins(), { now: NOW }));
      const rows = tableText(table);
      assert.deepEqual(rows[0], ['Role', 'Admins', 'Active', 'Eligible', 'Unregistered', 'CA enforces MFA']);
      assert.equal(table.firstRowAsHeader, true);
      assert.deepEqual(rows[1], ['Global Administrator', '1', '0', '1', '1', 'No']);
      assert.deepEqual(rows[2], ['Privileged Role Administrator', '1', '1', '0', '0 (+1 unknown)', 'No']);
      assert.deepEqual(rows.at(-1), ['Billing Administrator', '1', '1', '0', '1', 'No']);
    });

    it('skips covered roles nobody holds but keeps uncovered ones', () => {
      const rows = tableText(tables(statusCard(p2WithEligibleAdmins(), { now: NOW }))[0]).map((r) => r[0]);
      assert.ok(!rows.includes('Helpdesk Administrator'), 'covered and empty: skipped');
      assert.ok(rows.includes('User Administrator'), 'covered with admins: kept');
      assert.ok(rows.includes('Security Administrator'), 'uncovered and empty: kept');
    });

    it('says "Yes" where CA enforces MFA', () => {
      const rows = tableText(tables(statusCard(allRegisteredAndCovered(), { now: NOW }))[0]);
      assert.deepEqual(rows.slice(1).map((r) => [r[0], r[5]]), [
        ['Global Administrator', 'Yes'], ['Exchange Administrator', 'Yes'], ['Billing Administrator', 'Yes'],
      ]);
    });
  });

  describe('not registered list', () => {
    it('lists unregistered and unknown admins worst first: Global Administrator before Billing', () => {
      const card = statusCard(p2WithEligibleAdmins(), { now: NOW });
      const zed = lineIndex(card, /^Zed Global · zed@contoso.com/);
      const gus = lineIndex(card, /^Gus Group · /);
      const amy = lineIndex(card, /^Amy Billing · /);
      assert.ok(zed >= 0 && zed < gus && gus < amy, lines(card).join('\n'));
      assert.equal(lineIndex(card, /^Eve Exchange · /), -1, 'registered admins are not listed');
    });

    it('names roles with their eligible and group qualifiers, and unknown registration', () => {
      const card = statusCard(p2WithEligibleAdmins(), { now: NOW });
      assert.equal(lineWith(card, /^Zed Global/), 'Zed Global · zed@contoso.com · Global Administrator (eligible)');
      assert.equal(
        lineWith(card, /^Gus Group/),
        'Gus Group · gus@contoso.com · Privileged Role Administrator (via group Tier0 Admins) · unknown: no registration row',
      );
    });

    it('shows earlier nudges relative to now', () => {
      const report = p2WithEligibleAdmins();
      const zed = report.admins.find((a) => a.userPrincipalName === 'zed@contoso.com');
      assert.ok(zed);
      const card = statusCard(report, { now: NOW, nudgeHistory: { [zed.id]: { count: 2, lastAt: '2025-11-26T06:00:00Z' } } });
      assert.ok(lineWith(card, /^Zed Global/).endsWith(' · nudged 2× · last 3 h ago'));
      assert.ok(!lineWith(card, /^Amy Billing/).includes('nudged'));
    });

    it('lists 15 by default and says how many more there are', () => {
      const card = statusCard(makeReport({ admins: unregistered(20) }), { now: NOW });
      assert.equal(lineWith(card, /^Not registered for MFA/), 'Not registered for MFA (20)');
      const last = lineIndex(card, /^user014 · user014@contoso.com · /);
      assert.ok(last >= 0);
      assert.equal(lineIndex(card, /^user015 · /), -1);
      assert.equal(lines(card)[last + 1], 'and 5 more');
    });

    it('honours maxAdminsListed', () => {
      const card = statusCard(makeReport({ admins: unregistered(20) }), { now: NOW, maxAdminsListed: 3 });
      assert.equal(lines(card).filter((l) => /^user\d+ · user\d+@contoso.com · /.test(l)).length, 3);
      assert.ok(lineIndex(card, /^and 17 more$/) >= 0);
    });

    it('does not say "more" when everyone fits', () => {
      const card = statusCard(makeReport({ admins: unregistered(15) }), { now: NOW });
      assert.equal(lineIndex(card, /^and \d+ more$/), -1);
    });

    it('is left out when every admin is registered', () => {
      assert.equal(lineIndex(statusCard(allRegisteredAndCovered(), { now: NOW }), 'Not registered for MFA'), -1);
    });
  });

  describe('Conditional Access', () => {
    it('says MFA is enforced for every role and by which policy', () => {
      const report = allRegisteredAndCovered();
      report.policy.roles[0].gaps = [{ policyId: 'p-other', policyName: 'Other', reason: 'is disabled' }];
      const card = statusCard(report, { now: NOW });
      assert.match(lineWith(card, 'MFA is enforced for every admin role in scope by '), /by policy 0a1b2c3d-0000-4000-8000-000000000001$/);
    });

    it('names the covering policy when the report knows its name', () => {
      const report = allRegisteredAndCovered();
      report.policy.roles[1].gaps = [{ policyId: report.policy.roles[0].coveredBy[0], policyName: POLICY_NAME, reason: 'excludes a group' }];
      assert.equal(
        lineWith(statusCard(report, { now: NOW }), 'MFA is enforced'),
        `MFA is enforced for every admin role in scope by ${POLICY_NAME}`,
      );
    });

    it('groups the gaps of uncovered roles by policy, widest first, then lists the covered roles', () => {
      const card = statusCard(p2WithEligibleAdmins(), { now: NOW });
      assert.match(lineWith(card, /^MFA is not enforced for /), /^MFA is not enforced for 11 admin roles in scope/);
      assert.equal(
        lineWith(card, /^Require MFA for admins: /),
        'Require MFA for admins: is report-only, so it enforces nothing (Global Administrator, Billing Administrator)',
      );
      assert.equal(
        lineWith(card, /^MFA or compliant device: /),
        'MFA or compliant device: accepts a compliant device instead of MFA (OR) (Global Administrator)',
      );
      assert.equal(lineWith(card, /^No policy: /), 'No policy: no enabled policy requires MFA for this role (Privileged Role Administrator, Privileged Authentication Administrator, Security Administrator, Conditional Access Administrator and 5 more)');
      assert.equal(lineWith(card, /^Covered: /), 'Covered: User Administrator, Exchange Administrator, Helpdesk Administrator');
    });

    it('shows a policy-less gap (nothing targets the role) as its bare reason', () => {
      const report = makeReport({
        admins: [],
        roleIds: [ROLE.globalAdministrator],
        gaps: { [ROLE.globalAdministrator]: [{ policyId: '', reason: 'no enabled policy requires MFA for this role' }] },
      });
      assert.equal(lineWith(statusCard(report, { now: NOW }), /^No policy: /), 'No policy: no enabled policy requires MFA for this role (Global Administrator)');
    });

    it('caps many policy gaps with long reasons to a bounded text', () => {
      const card = statusCard(hugeTenant(50), { now: NOW });
      const gapLines = lines(card).filter((l) => /^Policy .*: /.test(l));
      assert.ok(gapLines.length >= 1 && gapLines.length <= 14, `${gapLines.length} gap lines`);
      assert.ok(gapLines.join('').length <= 2_400 + 1_000, 'total gap text is bounded');
      assert.ok(gapLines.every((l) => l.includes('…')), 'long names and reasons are cut with an ellipsis');
    });
  });

  describe('Conditional Access per admin', () => {
    const uncovered = (n: number, variant: number, roleId: string = ROLE.exchangeAdministrator, eligible = false) => Array.from({ length: n }, (_, i) => admin({
      upn: `v${variant}-${String(i).padStart(3, '0')}@contoso.com`,
      name: `Admin ${variant}.${i}`,
      roles: [role(roleId, eligible ? 'eligible' : 'active')],
      mfa: true,
      ca: uncoveredCa(variant, (p) => p, eligible ? [roleId] : []),
    }));

    it('says how many admins can sign in without MFA, one line per way in, the widest first, naming the first three', () => {
      const card = statusCard(makeReport({ admins: [...uncovered(1, 1), ...uncovered(5, 0)], covered: 'all' }), { now: NOW });
      assert.equal(lineWith(card, /can sign in without MFA:$/), '6 of 6 admins can sign in without MFA:');
      assert.equal(
        lineWith(card, /^5 admins · /),
        "5 admins · Admin 0.0 (Exchange Administrator), Admin 0.1 (Exchange Administrator), Admin 0.2 (Exchange Administrator) and 2 more can sign in with Exchange ActiveSync (the iPhone Mail app) without MFA: 'Policy 0.0' covers only browsers and modern clients, 'Policy 0.1' covers only browsers and modern clients, 'Policy 0.2' covers only browsers and modern clients, and no policy blocks legacy clients.",
      );
      assert.ok(lineIndex(card, /^5 admins · /) < lineIndex(card, /^Admin 1\.0 \(Exchange Administrator\) can sign in/), 'one admin alone: the plain sentence, after the wider gap');
    });

    it('says it in words a person understands, from the real status decision (Tailspin)', () => {
      const card = statusCard(tailspin(), { now: NOW });
      assert.equal(lineWith(card, /can sign in without MFA:$/), '2 of 8 admins can sign in without MFA:');
      assert.match(lineWith(card, /^Brian Ortiz/), /^Brian Ortiz \(Exchange Administrator\) can sign in with Exchange ActiveSync \(the iPhone Mail app\) without MFA: 'Require MFA for admins' covers only browsers and modern clients, .*and no policy blocks legacy clients\.$/);
      assert.match(lineWith(card, /^Dev Patel \(/), /^Dev Patel \(Helpdesk Administrator\) can sign in with a web browser from a trusted location without MFA: /);
      assert.equal(lineWith(card, /^Left out on purpose: /), 'Left out on purpose: Emergency Access 1, Emergency Access 2 (break-glass).');
      assert.equal(lineWith(card, /^PIM-eligible admins/), 'PIM-eligible admins are judged as if they had activated their roles: Conditional Access sees a role only while it is active.');
    });

    it('marks eligible-only roles in the names, and counts covered roles whose admins are not', () => {
      const card = statusCard(makeReport({ admins: uncovered(1, 0, ROLE.securityAdministrator, true), covered: 'all' }), { now: NOW });
      assert.match(lineWith(card, /^Admin 0\.0 /), /^Admin 0\.0 \(eligible Security Administrator\) can sign in/);
      assert.ok(lines(card).includes('PIM-eligible admins are judged as if they had activated their roles: Conditional Access sees a role only while it is active.'));
      assert.deepEqual(tableText(tables(card)[0]).find((row) => row[0] === 'Security Administrator'), ['Security Administrator', '1', '0', '1', '0', 'Yes, but not for 1 admin']);
    });

    it('says security defaults require MFA when they are on, instead of sounding the alarm', () => {
      const report = makeReport({ admins: uncovered(2, 0), securityDefaultsEnabled: true });
      const card = statusCard(report, { now: NOW });
      assert.equal(lineWith(card, /^Security defaults require MFA of admins/), 'Security defaults require MFA of admins; Conditional Access alone would leave 2 of 2 admins a way in without it:');
      assert.equal(lineIndex(card, /can sign in without MFA:$/), -1);
    });

    it('says every admin must use MFA when none can sign in without it', () => {
      const covered = admin({ upn: 'a@contoso.com', roles: [role(ROLE.globalAdministrator)], mfa: true, ca: { ...uncoveredCa(0), caCovered: true, gap: null, unprotectedSignIn: null } });
      const card = statusCard(makeReport({ admins: [covered], covered: 'all' }), { now: NOW });
      assert.ok(lines(card).includes('Every admin (1) must use MFA on every sign-in.'));
      assert.equal(lineIndex(card, /can sign in without MFA/), -1);
    });

    it('keeps a generated 5,000-admin tenant under the limit and valid, with its gaps grouped', function () {
      this.timeout(60_000);
      const report = generatedTenant(5_000);
      const card = statusCard(report, { now: NOW });
      assert.ok(cardBytes(card) <= MAX_CARD_BYTES, `${cardBytes(card)} bytes`);
      assert.deepEqual(validateCard(card), []);
      assert.equal(lineWith(card, /can sign in without MFA:$/), `${report.adminCa.uncovered} of 5000 admins can sign in without MFA:`);
      const groups = lines(card).filter((l) => /^\d+ admins · .* and \d+ more can sign in /.test(l));
      assert.ok(groups.length >= 1, 'admins alike share one line');
      const counted = groups.reduce((n, l) => n + Number(l.split(' ')[0]), 0);
      assert.ok(counted > report.adminCa.uncovered / 2, `${counted} admins in the lines shown`);
    });
  });

  describe('advice and service principals', () => {
    it('shows each advice item coloured by severity', () => {
      const card = statusCard(p2WithEligibleAdmins(), { now: NOW });
      const advice = card.body.filter((e) => e.type === 'RichTextBlock' && e.inlines.length === 1 && e.inlines[0].color !== undefined);
      const colours = advice.map((e) => (e.type === 'RichTextBlock' ? [e.inlines[0].text.slice(0, 12), e.inlines[0].color] : []));
      assert.deepEqual(colours, [
        ['Entra ID P2:', 'good'],
        ['Conditional ', 'attention'],
        ['3 admins are', 'warning'],
      ]);
    });

    it('counts service principals apart, by name', () => {
      assert.equal(
        lineWith(statusCard(p2WithEligibleAdmins(), { now: NOW }), 'service principals'),
        '2 service principals hold admin roles (not counted as admins): Backup App, Provisioning',
      );
    });

    it('names at most five service principals', () => {
      const report = makeReport({
        admins: [],
        servicePrincipals: Array.from({ length: 8 }, (_, i) => ({ id: `sp-${i}`, displayName: `App ${i}`, appId: null, roleIds: [ROLE.globalAdministrator] })),
      });
      assert.equal(
        lineWith(statusCard(report, { now: NOW }), 'service principals'),
        '8 service principals hold admin roles (not counted as admins): App 0, App 1, App 2, App 3, App 4 and 3 more',
      );
    });
  });

  describe('actions', () => {
    it('always offers Refresh, without gathering the nudge picker', () => {
      for (const report of [allRegisteredAndCovered(), p2WithEligibleAdmins()]) {
        const refresh = statusCard(report, { now: NOW }).actions?.[0];
        assert.ok(refresh && refresh.type === 'Action.Execute');
        assert.equal(refresh.verb, VERBS.statusRefresh);
        assert.equal(refresh.title, 'Refresh');
        assert.equal(refresh.associatedInputs, 'none');
        assert.deepEqual(refresh.fallback.data, { verb: VERBS.statusRefresh });
      }
    });

    it('offers "Create policy (report-only)" when allowed, with nothing sensitive in its data', () => {
      const card = statusCard(p2WithEligibleAdmins(), { now: NOW });
      const create = executeActions(card).find((a) => a.verb === VERBS.policyCreate);
      assert.ok(create);
      assert.equal(create.title, 'Create policy (report-only)');
      assert.deepEqual(create.data, {});
      assert.deepEqual(create.fallback.data, { verb: VERBS.policyCreate });
      assert.equal(lineIndex(card, /^Create policy: /), -1);
    });

    it('explains why instead when creating is not allowed', () => {
      for (const report of [freeLicenceNoneCovered(), securityDefaultsOn(), allRegisteredAndCovered()]) {
        const card = statusCard(report, { now: NOW });
        assert.equal(executeActions(card).filter((a) => a.verb === VERBS.policyCreate).length, 0);
        assert.equal(lineWith(card, /^Create policy: /), `Create policy: ${report.createPolicy.reason}`);
      }
    });

    it('hides the button from someone who may not create the policy, saying so', () => {
      const card = statusCard(p2WithEligibleAdmins(), { now: NOW, canCreatePolicy: false });
      assert.equal(executeActions(card).filter((a) => a.verb === VERBS.policyCreate).length, 0);
      assert.equal(lineWith(card, /^Create policy: /), 'Create policy: Only an approver can create the Conditional Access policy.');
    });

    it('offers a multi-select nudge picker with id "admins": everyone, then admins worst first', () => {
      const report = p2WithEligibleAdmins();
      const card = statusCard(report, { now: NOW });
      const [picker] = choiceSets(card);
      assert.equal(picker.id, NUDGE_INPUT_ID);
      assert.equal(picker.id, 'admins');
      assert.equal(picker.isMultiSelect, true);
      assert.equal(picker.style, 'compact');
      const id = (upn: string) => report.admins.find((a) => a.userPrincipalName === upn)?.id;
      assert.deepEqual(picker.choices, [
        { title: 'All unregistered admins', value: NUDGE_ALL },
        { title: 'Zed Global (zed@contoso.com)', value: id('zed@contoso.com') },
        { title: 'Gus Group (gus@contoso.com)', value: id('gus@contoso.com') },
        { title: 'Amy Billing (amy@contoso.com)', value: id('amy@contoso.com') },
      ]);
      const nudge = executeActions(card).find((a) => a.verb === VERBS.nudgeSend);
      assert.ok(nudge);
      assert.equal(nudge.title, 'Nudge selected');
      assert.equal(nudge.associatedInputs, 'auto');
    });

    it('offers at most 100 admins in the picker', () => {
      const card = statusCard(makeReport({ admins: unregistered(150) }), { now: NOW });
      const [picker] = choiceSets(card);
      assert.ok(picker.choices.length <= 101);
      assert.equal(picker.choices[0].value, NUDGE_ALL);
      assert.equal(picker.choices[1].title, 'user000 (user000@contoso.com)');
    });

    it('offers no picker when every admin is registered', () => {
      const card = statusCard(allRegisteredAndCovered(), { now: NOW });
      assert.equal(choiceSets(card).length, 0);
      assert.equal(executeActions(card).filter((a) => a.verb === VERBS.nudgeSend).length, 0);
    });
  });

  describe('size', () => {
    it('keeps 5,000 admins with long names and 14 uncovered roles under the limit, and still valid', () => {
      for (const chars of ['x', '界', '🔐']) {
        const card = statusCard(hugeTenant(5_000, chars), { now: NOW, maxAdminsListed: 50 });
        assert.ok(cardBytes(card) <= MAX_CARD_BYTES, `${chars}: ${cardBytes(card)} bytes`);
        assert.deepEqual(validateCard(card), []);
      }
    });

    it('still lists admins, offers choices and says how many more for 5,000 admins', () => {
      const card = statusCard(hugeTenant(5_000), { now: NOW });
      const rows = lines(card).map((l, i) => [l, i] as const).filter(([l]) => /^Admin \d+ x/.test(l));
      assert.ok(rows.length > 0, 'some admins are listed');
      assert.equal(lines(card)[rows[rows.length - 1][1] + 1], `and ${5_000 - rows.length} more`);
      assert.ok(choiceSets(card)[0].choices.length > 1, 'some admins are offered besides "all"');
    });

    it('cuts long names with an ellipsis', () => {
      const card = statusCard(hugeTenant(1), { now: NOW });
      const row = lineWith(card, /^Admin 0 x/);
      assert.match(row, /^Admin 0 x+… · /);
      assert.ok(row.length < 600);
    });

    it('keeps the picker and the "all" choice even at the smallest size', () => {
      const card = statusCard(hugeTenant(5_000, '🔐'), { now: NOW });
      const [picker] = choiceSets(card);
      assert.equal(picker.choices[0].value, NUDGE_ALL);
    });
  });
});
