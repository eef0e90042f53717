// The channel form of a sub, as the page (handlers/assets/events.js) and the template's
// onSubscribe (synth/src/constructs/jobs_namespace.js, APPSYNC_JS) compute it, against the
// vectors wiring/tests/owner.rs pins the Rust function to.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const E = require('../../assets/events.js');

const root = path.join(__dirname, '..', '..', '..');
const { vectors } = JSON.parse(fs.readFileSync(path.join(root, 'wiring/tests/owner_vectors.json'), 'utf8'));

// The namespace handler with APPSYNC_JS's `util` (base64Encode is standard, padded base64 of
// UTF-8; unauthorized() throws) standing in for @aws-appsync/utils.
function namespaceHandler() {
  const source = fs.readFileSync(path.join(root, 'synth/src/constructs/jobs_namespace.js'), 'utf8')
    .replace(/^import .*$/m, '')
    .replace(/^export function/gm, 'function');
  const util = {
    base64Encode: (s) => Buffer.from(s, 'utf8').toString('base64'),
    unauthorized: () => { throw new Error('Unauthorized'); },
  };
  return new Function('util', source + '\nreturn { channelOwner, onSubscribe };')(util);
}

test('the page computes the Rust channel form', () => {
  assert.ok(vectors.length >= 10);
  for (const v of vectors) assert.equal(E.channelOwner(v.sub), v.channel, JSON.stringify(v.sub));
});

test('the template computes the Rust channel form', () => {
  const h = namespaceHandler();
  for (const v of vectors) assert.equal(h.channelOwner(v.sub), v.channel, JSON.stringify(v.sub));
});

test('onSubscribe admits the caller\'s own channels only', () => {
  const h = namespaceHandler();
  const ctx = (sub, channelPath) => ({
    identity: sub === null ? null : { sub },
    info: { channel: { path: channelPath, segments: channelPath.split('/').filter(Boolean) } },
  });
  const me = '3f1c2a7e-9b4d-4e21-8c6a-0d5e7f9a1b2c';
  h.onSubscribe(ctx(me, '/jobs/' + me + '/0123abcd'));
  h.onSubscribe(ctx(me, '/jobs/' + me + '/*'));
  h.onSubscribe(ctx('auth0|abc', '/jobs/b--YXV0aDB8YWJj/*'));
  for (const [sub, channel] of [
    [me, '/jobs/someone-else/*'],
    [me, '/jobs/*'],
    [me, '/jobs/' + me],
    ['auth0|abc', '/jobs/auth0|abc/*'],
    [null, '/jobs/' + me + '/*'],
    ['a'.repeat(51), '/jobs/' + 'a'.repeat(51) + '/*'],
  ]) {
    assert.throws(() => h.onSubscribe(ctx(sub, channel)), /Unauthorized/, `${sub} on ${channel}`);
  }
});
