// The transcoding bar's rules (handlers/assets/progress.js), run by node's test runner.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const P = require('../../assets/progress.js');

const INTERVAL = 10000;
function feed(reports) {
  let m = P.create(INTERVAL);
  for (const [at, report] of reports) m = P.observe(m, report, at);
  return m;
}
const run = (at, progress, phase = 'TRANSCODING') => [at, { status: 'PROGRESSING', progress, phase }];

test('one sample: the reported value, no extrapolation and no ETA', () => {
  const m = feed([run(0, 20)]);
  const v = P.view(m, 60000);
  assert.equal(v.percent, 20);
  assert.equal(v.eta, null);
});

test('two moving samples: the bar advances at their rate between reports', () => {
  const m = feed([run(0, 10), run(10000, 20)]); // 1 % per second
  assert.equal(P.view(m, 10000).percent, 20);
  assert.equal(P.view(m, 15000).percent, 25);
});

test('never past the next plausible value when reports stop', () => {
  const m = feed([run(0, 10), run(10000, 20)]);
  // One interval after the last report at 1 %/s is 30; an hour later it is still 30.
  assert.equal(P.view(m, 20000).percent, 30);
  assert.equal(P.view(m, 3600000).percent, 30);
});

test('never above 99 before COMPLETE, 100 at COMPLETE', () => {
  const m = feed([run(0, 90), run(1000, 98)]);
  assert.equal(P.view(m, 100000).percent, 99);
  const done = P.observe(m, { status: 'COMPLETE', progress: 100 }, 2000);
  assert.equal(P.view(done, 2000).percent, 100);
  assert.equal(P.view(done, 2000).eta, null);
});

test('never backwards: a lower report after an extrapolation keeps the shown value', () => {
  let m = feed([run(0, 10), run(10000, 20)]);
  const v1 = P.view(m, 18000); // 28
  m = P.observe(v1.model, { status: 'PROGRESSING', progress: 24, phase: 'TRANSCODING' }, 18500);
  const v2 = P.view(m, 18500);
  assert.ok(v2.percent >= v1.percent, `${v2.percent} < ${v1.percent}`);
  // A reordered, older report lowers nothing either.
  m = P.observe(v2.model, { status: 'PROGRESSING', progress: 5, phase: 'TRANSCODING' }, 19000);
  assert.ok(P.view(m, 19000).percent >= v2.percent);
});

test('shown never decreases over any sequence of reports and clock readings', () => {
  // A deterministic pseudo-random walk of reports, shuffled, and clock readings.
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let round = 0; round < 200; round++) {
    let m = P.create(INTERVAL);
    let shown = 0;
    let now = 0;
    for (let i = 0; i < 30; i++) {
      now += Math.floor(rnd() * 8000);
      if (rnd() < 0.6) {
        const phase = ['PROBING', 'TRANSCODING', 'UPLOADING'][Math.floor(rnd() * 3)];
        m = P.observe(m, { status: 'PROGRESSING', progress: Math.floor(rnd() * 100), phase }, now);
      }
      const v = P.view(m, now);
      m = v.model;
      assert.ok(v.percent >= shown, `round ${round}: ${v.percent} after ${shown}`);
      assert.ok(v.percent <= 99);
      shown = v.percent;
    }
  }
});

test('the ETA appears only after two transcoding samples and is coarse', () => {
  const one = feed([run(0, 10)]);
  assert.equal(P.view(one, 0).eta, null);
  const probing = feed([run(0, 2, 'PROBING'), run(5000, 4, 'PROBING')]);
  assert.equal(P.view(probing, 5000).eta, null);
  // 10 % per 60 s: 80 % left is 8 minutes.
  const m = feed([run(0, 10), run(60000, 20)]);
  assert.equal(P.view(m, 60000).eta, 'about 8 min left');
  assert.equal(P.coarse(30000), 'less than a minute left');
  assert.equal(P.coarse(61000), 'about 2 min left');
  assert.equal(P.coarse(23 * 60000), 'about 25 min left');
  assert.equal(P.coarse(3 * 3600000), 'about 3 h left');
});

test('a phase after transcoding drops the rate: no ETA, no extrapolation', () => {
  const m = feed([run(0, 10), run(10000, 80), run(12000, 90, 'UPLOADING')]);
  const v = P.view(m, 30000);
  assert.equal(v.percent, 90);
  assert.equal(v.eta, null);
});

test('a terminal state ignores late reports; a failure keeps the bar where it was', () => {
  let m = feed([run(0, 10), run(10000, 40)]);
  m = P.view(m, 10000).model;
  m = P.observe(m, { status: 'ERROR', progress: 100 }, 11000);
  assert.equal(P.view(m, 11000).percent, 40);
  m = P.observe(m, { status: 'PROGRESSING', progress: 60, phase: 'TRANSCODING' }, 12000);
  assert.equal(m.status, 'ERROR');
  assert.equal(P.view(m, 12000).percent, 40);
});
