// The transcoding bar's model: what percent to show and whether to say how long is left, from
// the job's reported samples and the clock. Pure (no DOM, no timers) so that node's test
// runner checks the rules (handlers/tests/js/progress.test.js) and the page only renders.
//
// The rules (docs/api.md, "The progress bar"):
// - Never backwards: the bar shows the most it has ever shown.
// - Never 100 before COMPLETE, never above 99 while the job runs; COMPLETE shows 100.
// - Between reports the bar advances at the rate the last transcoding samples showed, but
//   never past the value the next report is likely to bring (the last report plus one status
//   interval at that rate): when reports stop, the bar stops too, instead of inventing
//   progress.
// - An ETA only from two transcoding samples that moved, and coarse ("about 3 min left"):
//   one sample has no rate, and probing or uploading says nothing about the transcode's rate.
'use strict';
(function (root) {
  const TERMINAL = ['COMPLETE', 'ERROR', 'CANCELED'];
  // The rate comes from at most this many recent samples: enough to smooth one late report,
  // few enough to follow a transcode that speeds up or slows down.
  const WINDOW = 5;

  function create(intervalMs) {
    return { intervalMs: Math.max(1000, intervalMs || 0), status: 'SUBMITTED', phase: null, reported: 0, samples: [], shown: 0 };
  }

  // One report (a pushed event or a polled answer), received at `at` (ms, the page's clock:
  // the same clock `view` extrapolates with).
  function observe(model, report, at) {
    const next = Object.assign({}, model, { samples: model.samples.slice() });
    const status = report.status || next.status;
    if (TERMINAL.includes(next.status) && status !== next.status) return next; // a late report
    next.status = status;
    if (report.phase !== undefined) next.phase = report.phase || null;
    const progress = Number.isFinite(report.progress) ? Math.max(0, Math.min(100, report.progress)) : null;
    if (progress !== null && progress > next.reported) {
      next.reported = progress;
      // Only transcoding samples that moved say anything about the rate.
      if (status === 'PROGRESSING' && (next.phase === null || next.phase === 'TRANSCODING')) {
        next.samples.push({ at, progress });
        if (next.samples.length > WINDOW) next.samples.shift();
      }
    }
    if (next.phase && next.phase !== 'TRANSCODING') next.samples = [];
    return next;
  }

  // Percent per millisecond over the window, or null when there is no rate to speak of.
  function rate(model) {
    const s = model.samples;
    if (s.length < 2) return null;
    const first = s[0], last = s[s.length - 1];
    const dt = last.at - first.at;
    if (dt <= 0 || last.progress <= first.progress) return null;
    return (last.progress - first.progress) / dt;
  }

  function coarse(ms) {
    const minutes = ms / 60000;
    if (minutes < 1) return 'less than a minute left';
    if (minutes < 10) return 'about ' + Math.ceil(minutes) + ' min left';
    if (minutes < 90) return 'about ' + Math.ceil(minutes / 5) * 5 + ' min left';
    return 'about ' + Math.round(minutes / 60) + ' h left';
  }

  // What to show at `now`: { percent (integer), eta (text or null) }, and the model with the
  // shown percent remembered (so the bar never goes back).
  function view(model, now) {
    if (model.status === 'COMPLETE') return { model: Object.assign({}, model, { shown: 100 }), percent: 100, eta: null };
    if (TERMINAL.includes(model.status)) return { model, percent: model.shown, eta: null };
    let estimate = model.reported;
    let eta = null;
    const r = rate(model);
    if (r !== null) {
      const last = model.samples[model.samples.length - 1];
      const ceiling = last.progress + r * model.intervalMs;
      estimate = Math.max(estimate, Math.min(last.progress + r * Math.max(0, now - last.at), ceiling));
      eta = coarse((100 - estimate) / r);
    }
    const percent = Math.max(model.shown, Math.min(99, Math.floor(estimate)));
    return { model: Object.assign({}, model, { shown: percent }), percent, eta };
  }

  const api = { create, observe, view, coarse };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.VodProgress = api;
})(typeof window === 'object' ? window : this);
