import assert from 'node:assert/strict';
import { isLoopbackHost, mediaType, parseRetryAfter } from '../src/http';
import { retryDelayMs } from '../src/graph/client';

describe('HTTP details shared by the clients and servers', () => {
  const now = Date.parse('2026-12-04T10:00:00Z');

  it('reads Retry-After as seconds or as an HTTP date, and nothing else', () => {
    assert.equal(parseRetryAfter('7', now), 7_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('1.5', now), 1_500);
    assert.equal(parseRetryAfter('Fri, 04 Dec 2026 10:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Fri, 04 Dec 2026 09:00:00 GMT', now), 0, 'a date in the past means now');
    for (const unusable of [null, undefined, '', '  ', 'soon', '-5', 'Infinity', '1e9', '0x10']) {
      assert.equal(parseRetryAfter(unusable, now), null, `"${String(unusable)}" is not a wait`);
    }
  });

  it('lets the Graph client fall back to its own backoff when Retry-After is unusable', () => {
    assert.equal(retryDelayMs('3', 5), 3_000);
    for (const unusable of ['Infinity', '-5', 'soon']) {
      const wait = retryDelayMs(unusable, 1);
      assert.ok(wait >= 1_000 && wait < 1_250, `${unusable}: backoff ${wait}`);
    }
  });

  it('knows loopback Host headers, with or without a port', () => {
    for (const host of ['127.0.0.1', '127.0.0.1:3978', 'localhost:3978', 'LOCALHOST', '[::1]:3978', '[::1]', '127.1.2.3:80']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of [undefined, '', 'attacker.example', 'localhost.attacker.example', '127.0.0.1.nip.io', '[::2]:3978', '10.0.0.1:3978', '0.0.0.0']) {
      assert.equal(isLoopbackHost(host), false, String(host));
    }
  });

  it('reads the media type of a Content-Type header without its parameters', () => {
    assert.equal(mediaType('Application/JSON; charset=utf-8'), 'application/json');
    assert.equal(mediaType(undefined), '');
  });
});
