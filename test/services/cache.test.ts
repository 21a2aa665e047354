import assert from 'node:assert/strict';
import sinon from 'sinon';
import { SingleFlight } from '../../src/services/cache';

describe('SingleFlight (the status and impact caches)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-11-26T08:00:00Z'), toFake: ['Date'] });
  });
  afterEach(() => clock.restore());

  it('shares one load among concurrent callers', async () => {
    let loads = 0;
    let release: (v: number) => void = () => undefined;
    const flight = new SingleFlight(() => { loads++; return new Promise<number>((r) => { release = r; }); }, 60_000);
    const waiting = Promise.all(Array.from({ length: 100 }, () => flight.get()));
    release(42);
    assert.deepEqual(new Set(await waiting), new Set([42]));
    assert.equal(loads, 1);
  });

  it('serves the cached value until the time to live has passed, then loads again', async () => {
    let loads = 0;
    const flight = new SingleFlight(async () => ++loads, 60_000);
    assert.equal(await flight.get(), 1);
    clock.tick(59_999);
    assert.equal(await flight.get(), 1, 'still cached just before the TTL');
    clock.tick(1);
    assert.equal(await flight.get(), 2, 'loaded again at the TTL');
  });

  it('never caches a load that was under way when invalidate was called', async () => {
    const pending: ((v: string) => void)[] = [];
    const flight = new SingleFlight(() => new Promise<string>((r) => { pending.push(r); }), 60_000);
    const before = flight.get();
    flight.invalidate();
    const after = flight.get();
    assert.equal(pending.length, 2, 'a caller after invalidate starts a new load instead of joining the old one');
    pending[1]?.('after the change');
    pending[0]?.('before the change');
    assert.equal(await before, 'before the change', 'who asked before still gets an answer');
    assert.equal(await after, 'after the change');
    assert.equal(await flight.get(), 'after the change', 'the older load, finished last, was not cached');
  });

  it('loads again on a fresh request or after invalidate, whatever the TTL', async () => {
    let loads = 0;
    const flight = new SingleFlight(async () => ++loads, 60_000);
    await flight.get();
    assert.equal(await flight.get({ fresh: true }), 2);
    flight.invalidate();
    assert.equal(await flight.get(), 3);
  });

  it('does not cache a failed load: the next caller tries again', async () => {
    const load = sinon.stub();
    load.onFirstCall().rejects(new Error('Graph is down'));
    load.onSecondCall().resolves('report');
    const flight = new SingleFlight<string>(load, 60_000);
    await assert.rejects(flight.get(), /Graph is down/);
    assert.equal(await flight.get(), 'report');
    assert.equal(load.callCount, 2);
  });
});
