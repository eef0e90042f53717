// The front end's script: sign-in (authorization code + PKCE), upload with progress, the
// transcoding bar, playback with hls.js, "My videos". No framework; all user text goes in
// through textContent, never as HTML.
'use strict';
(function () {
  const settings = JSON.parse(document.getElementById('settings').textContent);
  const $ = (id) => document.getElementById(id);
  const interval = settings.statusIntervalSeconds * 1000;
  const TOKENS = 'vod.tokens';
  const PKCE = 'vod.pkce';
  const WORDS = { SUBMITTED: 'queued', PROGRESSING: 'transcoding', COMPLETE: 'complete', ERROR: 'failed', CANCELED: 'canceled' };
  const TERMINAL = ['COMPLETE', 'ERROR', 'CANCELED'];

  // A documented error code comes with a reason for people; the service's own (sanitized)
  // message stays as the detail, and is all there is for other codes.
  function failure(view) {
    if (!view.errorReason) return 'Transcoding failed' + (view.errorMessage ? ': ' + view.errorMessage : '.');
    const next = view.retryable ? ' Trying again may help.' : ' Trying the same file again will not help.';
    return 'Transcoding failed: ' + view.errorReason + next + (view.errorMessage ? ' (' + view.errorMessage + ')' : '');
  }

  // The page's origin, as the client's callback and sign-out URLs name it (no trailing '/').
  const redirectUri = location.origin;

  // ---- small helpers -------------------------------------------------------------------
  function notice(text) { $('notice').textContent = text; }
  function problem(text) {
    $('problem').textContent = text || '';
    $('problem').hidden = !text;
  }
  function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }
  // The units and rounding of the size hint the server writes (page.rs, human_bytes), so the
  // page never says "up to 1 GiB" and then "the limit is 1.1 GB".
  function bytes(n) {
    const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    if (i === 0) return n + ' bytes';
    const whole = Math.abs(n - Math.round(n)) < 0.05;
    return (whole ? String(Math.round(n)) : n.toFixed(1)) + ' ' + units[i];
  }
  function setBar(bar, percent, text) {
    bar.setAttribute('aria-valuenow', String(percent));
    bar.setAttribute('aria-valuetext', text);
    bar.firstElementChild.style.width = percent + '%';
  }
  function b64url(buffer) {
    let s = '';
    new Uint8Array(buffer).forEach((b) => { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function randomString() { return b64url(crypto.getRandomValues(new Uint8Array(32))); }
  function claims(jwt) {
    try {
      const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(decodeURIComponent(escape(atob(part))));
    } catch (e) { return {}; }
  }

  // ---- sign-in -------------------------------------------------------------------------
  let endpointsPromise = null;
  function endpoints() {
    if (!endpointsPromise) {
      const base = settings.signIn.url;
      endpointsPromise = settings.signIn.kind === 'cognito'
        ? Promise.resolve({ authorize: base + '/oauth2/authorize', token: base + '/oauth2/token', logout: base + '/logout' })
        : fetch(base + '/.well-known/openid-configuration').then((r) => {
          if (!r.ok) throw new Error('the sign-in provider\'s discovery document answered ' + r.status);
          return r.json();
        }).then((d) => ({ authorize: d.authorization_endpoint, token: d.token_endpoint, endSession: d.end_session_endpoint }));
    }
    return endpointsPromise;
  }
  function tokens() {
    try { return JSON.parse(sessionStorage.getItem(TOKENS)); } catch (e) { return null; }
  }
  function idToken() {
    const t = tokens();
    return t && t.id_token && (claims(t.id_token).exp || 0) * 1000 > Date.now() + 10000 ? t.id_token : null;
  }
  async function signIn() {
    const verifier = randomString();
    const state = randomString();
    sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
    const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const e = await endpoints();
    const query = new URLSearchParams({
      response_type: 'code', client_id: settings.signIn.clientId, redirect_uri: redirectUri,
      scope: settings.signIn.scope, state, code_challenge: challenge, code_challenge_method: 'S256',
    });
    location.assign(e.authorize + '?' + query);
  }
  async function signOut() {
    const t = tokens();
    sessionStorage.removeItem(TOKENS);
    stopPlayer();
    const e = await endpoints().catch(() => ({}));
    if (settings.signIn.kind === 'cognito') {
      location.assign(e.logout + '?' + new URLSearchParams({ client_id: settings.signIn.clientId, logout_uri: redirectUri }));
    } else if (e.endSession) {
      const q = { client_id: settings.signIn.clientId, post_logout_redirect_uri: redirectUri };
      if (t && t.id_token) q.id_token_hint = t.id_token;
      location.assign(e.endSession + '?' + new URLSearchParams(q));
    } else {
      location.assign(redirectUri);
    }
  }
  async function token(body) {
    const e = await endpoints();
    const r = await fetch(e.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(Object.assign({ client_id: settings.signIn.clientId }, body)),
    });
    const answer = await r.json().catch(() => ({}));
    if (!r.ok || !answer.id_token) throw new Error(answer.error_description || answer.error || 'the token endpoint answered ' + r.status);
    return answer;
  }
  // Back from the sign-in page: the code is exchanged and the URL cleaned before anything else.
  async function finishSignIn() {
    const params = new URLSearchParams(location.search);
    if (!params.has('code') && !params.has('error')) return;
    history.replaceState(null, '', location.pathname);
    const pkce = JSON.parse(sessionStorage.getItem(PKCE) || 'null');
    sessionStorage.removeItem(PKCE);
    if (params.has('error')) throw new Error('sign-in failed: ' + (params.get('error_description') || params.get('error')));
    if (!pkce || pkce.state !== params.get('state')) throw new Error('sign-in failed: the answer does not match this page\'s request; sign in again');
    const answer = await token({ grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri, code_verifier: pkce.verifier });
    sessionStorage.setItem(TOKENS, JSON.stringify({ id_token: answer.id_token, refresh_token: answer.refresh_token }));
  }
  async function refresh() {
    const t = tokens();
    if (!t || !t.refresh_token) return false;
    try {
      const answer = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token });
      sessionStorage.setItem(TOKENS, JSON.stringify({ id_token: answer.id_token, refresh_token: answer.refresh_token || t.refresh_token }));
      return true;
    } catch (e) { return false; }
  }
  function signedOut(message) {
    sessionStorage.removeItem(TOKENS);
    show(false);
    if (message) problem(message);
  }

  // ---- the API (same origin) -----------------------------------------------------------
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  async function api(path, options) {
    for (let attempt = 0; ; attempt++) {
      let jwt = idToken();
      if (!jwt && await refresh()) jwt = idToken();
      if (!jwt) { signedOut('Your session ended: sign in again.'); throw new ApiError(401, 'signed out'); }
      const r = await fetch(path, Object.assign({}, options, {
        headers: Object.assign({ authorization: 'Bearer ' + jwt }, (options || {}).headers),
      }));
      if (r.status === 401 && attempt === 0 && await refresh()) continue;
      if (r.status === 401) { signedOut('Your session ended: sign in again.'); throw new ApiError(401, 'signed out'); }
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw new ApiError(r.status, (body.error && body.error.message) || body.message || 'the API answered ' + r.status);
      return body;
    }
  }

  // ---- upload ----------------------------------------------------------------------------
  let currentUpload = null;
  function check(file) {
    if (!settings.videoSuffixes.some((s) => file.name.endsWith(s))) {
      return '"' + file.name + '" is not a video this site takes: the name must end with ' + settings.videoSuffixes.join(', ') + '.';
    }
    if (file.size === 0) return '"' + file.name + '" is empty.';
    if (file.size > settings.maxUploadBytes) {
      return '"' + file.name + '" is ' + bytes(file.size) + '; the limit is ' + bytes(settings.maxUploadBytes) + '.';
    }
    return null;
  }
  // A multipart upload in progress is remembered under the file's name, size and last
  // modification, so choosing the same file after a reload or a closed tab continues it.
  const RESUME = 'vod.upload:';
  const resumeKey = (file) => RESUME + JSON.stringify([file.name, file.size, file.lastModified]);
  function showUpload(file) {
    $('upload').hidden = false;
    $('upload-name').textContent = file.name;
    $('cancel').disabled = false;
  }
  function showSent(sent, total) {
    const percent = Math.floor(100 * sent / total);
    const text = bytes(sent) + ' of ' + bytes(total) + ' (' + percent + '%)';
    setBar($('upload-bar'), percent, text);
    $('upload-text').textContent = text;
  }
  async function upload(file) {
    problem('');
    if (currentUpload) { problem('An upload is already running: cancel it first.'); return; }
    const wrong = check(file);
    if (wrong) { problem(wrong); return; }
    let answer = null;
    const remembered = JSON.parse(localStorage.getItem(resumeKey(file)) || 'null');
    if (remembered) {
      try {
        const held = await api('/uploads/parts?' + new URLSearchParams(remembered));
        answer = Object.assign({ method: 'MULTIPART', parts: [] }, held, { held: held.parts });
      } catch (e) {
        if (e.status === 401) return;
        // Finished, aborted or expired by the bucket's lifecycle: start again.
        localStorage.removeItem(resumeKey(file));
      }
    }
    try {
      if (!answer) {
        answer = await api('/uploads', {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ fileName: file.name, size: file.size }),
        });
      }
    } catch (e) {
      if (e.status !== 401) problem('The upload could not start: ' + e.message);
      return;
    }
    showUpload(file);
    // A resumed upload's bar starts at what S3 holds (multipart shows it), never at 0.
    if (!answer.held) showSent(0, file.size);
    notice('Uploading ' + file.name + '.');
    const failure = answer.method === 'MULTIPART' ? await multipart(file, answer) : await singlePut(file, answer);
    currentUpload = null;
    $('cancel').disabled = true;
    if (failure === 'canceled') { notice('Upload canceled.'); $('upload').hidden = true; return; }
    if (failure) { problem('The upload failed: ' + failure); notice(''); return; }
    setBar($('upload-bar'), 100, 'uploaded');
    $('upload-text').textContent = bytes(file.size) + ' uploaded (100%)';
    notice(file.name + ' is uploaded; waiting for its transcoding to start.');
    await follow({ inputFile: answer.inputFile, name: file.name });
  }
  function singlePut(file, answer) {
    const xhr = new XMLHttpRequest();
    currentUpload = xhr;
    const done = new Promise((resolve) => {
      xhr.upload.onprogress = (e) => showSent(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => resolve(xhr.status >= 200 && xhr.status < 300 ? null : putProblem(xhr));
      xhr.onerror = () => resolve('the storage could not be reached (network error or refused by its CORS rules).');
      xhr.onabort = () => resolve('canceled');
      xhr.ontimeout = () => resolve('the upload timed out.');
    });
    xhr.open(answer.method || 'PUT', answer.uploadUrl);
    for (const [name, value] of Object.entries(answer.headers || {})) {
      // The browser sets these itself and refuses to be told.
      if (!['content-length', 'host'].includes(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.send(file);
    return done;
  }

  // Parts in flight at once: four 16 MiB parts keep a home uplink busy and hold 64 MiB at most.
  const PARTS_IN_FLIGHT = 4;
  // URLs asked for at a time (the API's first answer brings as many).
  const URL_BATCH = 8;
  const RETRIES = 6;
  const online = () => navigator.onLine ? Promise.resolve() : new Promise((r) => addEventListener('online', r, { once: true }));
  // Sends the parts S3 does not hold yet, a few at a time, each retried with backoff; the bar
  // counts only parts S3 confirmed, so it never goes back. Answers null, 'canceled' or why not.
  async function multipart(file, answer) {
    const upload = { inputFile: answer.inputFile, uploadId: answer.uploadId };
    localStorage.setItem(resumeKey(file), JSON.stringify(upload));
    const length = (n) => Math.min(answer.partBytes, file.size - (n - 1) * answer.partBytes);
    const held = new Set((answer.held || []).map((p) => p.partNumber));
    let sent = [...held].reduce((sum, n) => sum + length(n), 0);
    showSent(sent, file.size);
    const urls = new Map((answer.parts || []).map((p) => [p.partNumber, p]));
    const todo = [];
    for (let n = 1; n <= answer.partCount; n++) if (!held.has(n)) todo.push(n);
    const controller = new AbortController();
    let canceled = false;
    let failed = null;
    currentUpload = { abort: () => { canceled = true; controller.abort(); } };
    let asking = null;
    async function urlFor(n) {
      while (!urls.has(n)) {
        if (!asking) {
          const wanted = todo.filter((m) => !urls.has(m)).slice(0, URL_BATCH);
          if (!wanted.includes(n)) wanted.unshift(n);
          asking = api('/uploads/parts', {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify(Object.assign({ partNumbers: wanted.slice(0, URL_BATCH) }, upload)),
          }).then((r) => r.parts.forEach((p) => urls.set(p.partNumber, p))).finally(() => { asking = null; });
        }
        await asking;
      }
      return urls.get(n);
    }
    async function send(n) {
      for (let attempt = 0; ; attempt++) {
        if (canceled || failed) return;
        await online();
        let why;
        try {
          const part = await urlFor(n);
          const r = await fetch(part.url, {
            method: 'PUT', body: file.slice((n - 1) * answer.partBytes, (n - 1) * answer.partBytes + length(n)),
            headers: Object.fromEntries(Object.entries(part.headers).filter(([k]) => !['content-length', 'host'].includes(k))),
            signal: controller.signal,
          });
          if (r.ok) { sent += length(n); showSent(sent, file.size); return; }
          // An expired or refused URL is signed again; S3's other answers are retried as they are.
          if (r.status === 403) urls.delete(n);
          why = 'the storage answered ' + r.status;
          if (r.status >= 400 && r.status < 500 && r.status !== 403 && r.status !== 408 && r.status !== 429) { failed = why + '.'; return; }
        } catch (e) {
          if (canceled) return;
          if (e instanceof ApiError && e.status < 500) { failed = e.message; return; }
          why = 'the storage could not be reached';
        }
        // Time offline is not a try: the part waits for the network and goes again.
        if (!navigator.onLine) { attempt -= 1; continue; }
        if (attempt >= RETRIES) { failed = why + ' (part ' + n + ', ' + (attempt + 1) + ' tries).'; return; }
        await sleep(Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
    const queue = todo.slice();
    const workers = Array.from({ length: PARTS_IN_FLIGHT }, async () => {
      while (queue.length && !canceled && !failed) await send(queue.shift());
    });
    await Promise.all(workers);
    if (canceled) {
      localStorage.removeItem(resumeKey(file));
      await api('/uploads/abort', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(upload),
      }).catch(() => {}); // the bucket's lifecycle aborts it after a day anyway
      return 'canceled';
    }
    if (failed) return failed + ' Choose the same file again to continue where it stopped.';
    try {
      await api('/uploads/complete', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(upload),
      });
    } catch (e) {
      return 'the upload could not be completed: ' + e.message;
    }
    localStorage.removeItem(resumeKey(file));
    return null;
  }
  addEventListener('offline', () => { if (currentUpload) notice('You are offline: the upload continues when the network returns.'); });
  addEventListener('online', () => { if (currentUpload) notice('Back online: uploading again.'); });
  // S3 answers an XML error document: its Code and Message say why.
  function putProblem(xhr) {
    const text = xhr.responseText || '';
    const code = (text.match(/<Code>([^<]*)<\/Code>/) || [])[1];
    const message = (text.match(/<Message>([^<]*)<\/Message>/) || [])[1];
    if (code === 'AccessDenied' && /expired/i.test(message || '')) return 'the upload link expired; upload again.';
    return 'the storage answered ' + xhr.status + (code ? ' ' + code : '') + (message ? ': ' + message : '') + '.';
  }

  // ---- the transcoding bar ---------------------------------------------------------------
  // Progress is pushed over AppSync Events when the stack has them (settings.push): one GET
  // after subscribe_success catches up, then each event moves the bar. Any error, close or
  // missed keep-alive falls back to polling at the status interval, and the socket is tried
  // again with backoff. The socket closes when the job ends or the tab is hidden. The bar and
  // its ETA come from progress.js's model (never backwards, never 100 before COMPLETE).
  let following = 0; // a newer follow() stops older ones
  // The job the panel follows, and a nudge that makes its loop ask for the status now.
  let followed = null;
  let nudge = () => {};
  function unfollow() {
    following++;
    followed = null;
    nudge();
    $('job').hidden = true;
  }
  async function follow(job) {
    const mine = ++following;
    followed = job;
    const current = () => mine === following;
    let model = VodProgress.create(interval);
    let sequence = '';
    let last = '';
    let socket = null;
    let live = false; // subscribed: polling pauses
    let retryMs = 2000;
    let retryAt = 0;
    let wake = null; // resolves the poll loop's sleep early
    stopPlayer();
    $('job').hidden = false;
    $('job-error').hidden = true;
    $('job-bar').classList.remove('failed');
    $('job-name').textContent = job.name || '';
    const render = () => {
      const v = VodProgress.view(model, Date.now());
      model = v.model;
      // A failed job keeps the bar where it was, in the failure's colour.
      const failed = model.status === 'ERROR' || model.status === 'CANCELED';
      $('job-bar').classList.toggle('failed', failed);
      const words = WORDS[model.status] || 'queued';
      setBar($('job-bar'), v.percent, words + ', ' + v.percent + '%');
      $('job-state').textContent = words + (v.eta ? ', ' + v.eta : '');
      $('job-percent').textContent = v.percent + '%';
      $('job-cancel').hidden = !job.jobId || TERMINAL.includes(model.status);
      if (words !== last) { last = words; notice((job.name ? job.name + ': ' : '') + words + '.'); }
    };
    const observe = (report) => {
      model = VodProgress.observe(model, report, Date.now());
      render();
    };
    const closeSocket = () => { if (socket) socket.close(); socket = null; live = false; };
    const ended = () => TERMINAL.includes(model.status);
    const connect = () => {
      const push = settings.push;
      const token = idToken();
      const owner = push && token && VodEvents.channelOwner(claims(token).sub);
      if (!owner || !job.jobId || socket || document.hidden || ended() || Date.now() < retryAt) return;
      socket = VodEvents.subscribe(push, token, '/' + push.namespace + '/' + owner + '/' + job.jobId, {
        ready() { live = true; retryMs = 2000; if (wake) wake(); },
        event(e) {
          if (!current() || typeof e.sequence !== 'string' || e.sequence <= sequence) return;
          sequence = e.sequence;
          observe(e);
          // The final answer carries what an event does not (playlists, the error message).
          if (ended() && wake) wake();
        },
        fail() {
          socket = null; live = false;
          retryAt = Date.now() + retryMs;
          retryMs = Math.min(retryMs * 2, 60000);
          if (wake) wake();
        },
      });
    };
    nudge = () => { if (wake) wake(); };
    const onVisibility = () => { if (document.hidden) closeSocket(); else if (wake) wake(); };
    document.addEventListener('visibilitychange', onVisibility);
    const ticker = setInterval(() => { if (current()) render(); }, 1000);
    observe({ status: job.status || 'SUBMITTED', progress: job.progress });
    let delay = Math.min(1000, interval);
    let caughtUp = false;
    try {
      while (current()) {
        try {
          if (!job.jobId) {
            const latest = await api('/jobs?' + new URLSearchParams({ inputFile: job.inputFile }));
            job.jobId = latest.jobId;
            listJobs();
          }
          connect();
          // Subscribed and caught up: the events move the bar, until the job ends.
          if (!(live && caughtUp) || ended()) {
            const wasLive = live;
            const view = await api('/jobs/' + encodeURIComponent(job.jobId));
            if (!current()) return;
            caughtUp = wasLive;
            observe({ status: view.status, progress: view.progress });
            if (TERMINAL.includes(view.status)) {
              if (view.status === 'ERROR') {
                $('job-error').textContent = failure(view);
                $('job-error').hidden = false;
              } else if (view.status === 'COMPLETE') {
                play(view, job.name);
              }
              listJobs();
              return;
            }
          }
          if (!live) caughtUp = false;
          delay = job.jobId ? interval : Math.min(delay * 2, interval);
        } catch (e) {
          if (e.status === 401) return;
          // Not there yet (the upload's job starts a moment after the upload) or a failed call:
          // ask again, less and less often.
          delay = e.status === 404 ? Math.min(delay * 2, interval) : Math.min(Math.max(delay, interval) * 2, 8 * interval);
          if (e.status !== 404) notice('The status is unavailable (' + e.message + '); trying again in ' + Math.round(delay / 1000) + ' s.');
        }
        await new Promise((resolve) => {
          wake = resolve;
          // While live, only the socket's failure or the job's end (each wakes the loop).
          setTimeout(resolve, live && caughtUp ? 60000 : delay);
        });
        wake = null;
      }
    } finally {
      clearInterval(ticker);
      document.removeEventListener('visibilitychange', onVisibility);
      closeSocket();
    }
  }

  // ---- playback --------------------------------------------------------------------------
  let hls = null;
  let playing = null; // the jobId of the video in the player
  function stopPlayer() {
    playing = null;
    if (hls) { hls.destroy(); hls = null; }
    const video = $('video');
    video.removeAttribute('src');
    video.load();
    $('player').hidden = true;
  }
  // Only the page's own origin gets the token, and only for a job's key.
  function isKeyUrl(url) {
    try {
      const u = new URL(url, location.href);
      return u.origin === location.origin && /^\/jobs\/[^/]+\/key$/.test(u.pathname);
    } catch (e) { return false; }
  }
  function play(view, name) {
    stopPlayer();
    if (!view.playbackUrl) { problem('This video has no playback address yet.'); return; }
    const video = $('video');
    playing = view.jobId || null;
    $('player').hidden = false;
    $('player-name').textContent = name || '';
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({
        enableWorker: false, // the CSP admits no worker
        xhrSetup(xhr, url) {
          if (!isKeyUrl(url)) return;
          if (!xhr.readyState) xhr.open('GET', url, true);
          xhr.setRequestHeader('Authorization', 'Bearer ' + idToken());
        },
      });
      hls.on(window.Hls.Events.ERROR, (event, data) => {
        if (data.fatal) problem('Playback failed: ' + (data.details || data.type) + '.');
      });
      hls.loadSource(view.playbackUrl);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      // Safari without MediaSource: its own HLS, which cannot send the token with the key
      // request (see README).
      video.src = view.playbackUrl;
    } else {
      problem('This browser cannot play HLS video.');
      return;
    }
    notice((name ? name + ' ' : '') + 'is ready to play.');
  }

  // ---- My videos -------------------------------------------------------------------------
  // m:ss, or h:mm:ss from an hour up.
  function duration(ms) {
    const s = Math.round(ms / 1000);
    const two = (n) => String(n).padStart(2, '0');
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return (h ? h + ':' + two(m) : String(m)) + ':' + two(s % 60);
  }
  function span(className, text) {
    const e = document.createElement('span');
    e.className = className;
    e.textContent = text;
    return e;
  }
  // The poster, or an empty frame of the same size when there is none (jobs made before
  // posters, failed or unfinished ones) or it does not load.
  function poster(job) {
    const frame = document.createElement('span');
    frame.className = 'poster';
    frame.setAttribute('aria-hidden', 'true');
    if (!job.posterUrl) return frame;
    const img = document.createElement('img');
    img.alt = '';
    img.loading = 'lazy';
    img.decoding = 'async';
    img.addEventListener('error', () => img.remove());
    img.src = job.posterUrl;
    frame.append(img);
    return frame;
  }
  // One video of the list: poster, name, facts (date, length, picture size), state, and its
  // actions (Play; more buttons go into the same .actions group).
  function listItem(job) {
    const item = document.createElement('li');
    item.dataset.jobId = job.jobId || '';
    const text = document.createElement('div');
    text.className = 'text';
    const facts = [new Date(job.createdAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })];
    if (job.durationMs) facts.push(duration(job.durationMs));
    if (job.widthPx && job.heightPx) facts.push(job.widthPx + '\u00d7' + job.heightPx);
    const words = WORDS[job.status] || 'queued';
    text.append(
      span('file', job.fileName),
      span('facts', facts.join(' \u00b7 ')),
      span('state', words + (job.status === 'PROGRESSING' ? ' ' + (job.progress || 0) + '%' : '')),
    );
    const actions = document.createElement('div');
    actions.className = 'actions';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'small';
    button.textContent = 'Play';
    button.setAttribute('aria-label', 'Play ' + job.fileName);
    button.disabled = job.status !== 'COMPLETE' || !job.jobId;
    button.addEventListener('click', async () => {
      try { play(await api('/jobs/' + encodeURIComponent(job.jobId)), job.fileName); } catch (e) {
        if (e.status !== 401) problem('This video could not be played: ' + e.message);
      }
    });
    actions.append(button);
    if (job.jobId && ['SUBMITTED', 'PROGRESSING'].includes(job.status)) {
      actions.append(smallButton('Cancel', 'Cancel transcoding ' + job.fileName, () => cancelJob(job)));
    }
    if (job.jobId) {
      actions.append(smallButton('Delete', 'Delete ' + job.fileName, () => confirmDelete(item, actions, job)));
    }
    item.append(poster(job), text, actions);
    return item;
  }
  function smallButton(label, ariaLabel, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'small';
    b.textContent = label;
    b.setAttribute('aria-label', ariaLabel);
    b.addEventListener('click', onClick);
    return b;
  }
  // Delete asks first, in the item itself rather than with confirm(): the question and its
  // two answers are ordinary buttons a screen reader announces and a keyboard reaches, and
  // focus starts on No, so an Enter pressed by habit keeps the video.
  function confirmDelete(item, actions, job) {
    const ask = document.createElement('div');
    ask.className = 'actions confirm';
    ask.setAttribute('role', 'group');
    ask.setAttribute('aria-label', 'Delete ' + job.fileName + '?');
    const restore = () => { ask.replaceWith(actions); actions.querySelector('button:last-child').focus(); };
    const yes = smallButton('Yes, delete', 'Yes, delete ' + job.fileName, async () => {
      yes.disabled = true; no.disabled = true;
      problem('');
      try {
        await api('/jobs/' + encodeURIComponent(job.jobId), { method: 'DELETE' });
      } catch (e) {
        if (e.status !== 401) problem(job.fileName + ' could not be deleted: ' + e.message);
        restore();
        return;
      }
      if (playing === job.jobId) stopPlayer();
      if (followed && followed.jobId === job.jobId) unfollow();
      item.remove();
      $('empty').hidden = $('jobs').children.length > 0;
      notice(job.fileName + ' is deleted.');
    });
    const no = smallButton('No', 'No, keep ' + job.fileName, restore);
    ask.append(span('question', 'Delete?'), yes, no);
    actions.replaceWith(ask);
    no.focus();
  }
  // CancelJob is sent; the status turns CANCELED through the job's own event, which the
  // panel shows: it follows the job (or asks for its status now when it already does).
  async function cancelJob(job) {
    problem('');
    try {
      await api('/jobs/' + encodeURIComponent(job.jobId) + '/cancel', { method: 'POST' });
    } catch (e) {
      if (e.status !== 401) problem('The transcoding of ' + (job.fileName || 'this video') + ' could not be canceled: ' + e.message);
      return;
    }
    notice('Canceling the transcoding of ' + (job.fileName || 'this video') + '.');
    if (followed && followed.jobId === job.jobId) nudge();
    else follow({ jobId: job.jobId, inputFile: job.inputFile, name: job.fileName, status: job.status, progress: job.progress });
  }
  async function listJobs() {
    let answer;
    try { answer = await api('/jobs?limit=20'); } catch (e) {
      if (e.status !== 401) problem('Your videos could not be listed: ' + e.message);
      return null;
    }
    const list = $('jobs');
    list.textContent = '';
    $('empty').hidden = answer.jobs.length > 0;
    for (const job of answer.jobs) list.append(listItem(job));
    return answer.jobs;
  }

  // ---- wiring the page -------------------------------------------------------------------
  function show(signedIn) {
    $('app').hidden = !signedIn;
    $('signed-out').hidden = signedIn;
    $('sign-in').hidden = signedIn;
    $('sign-out').hidden = !signedIn;
    const t = tokens();
    $('user').textContent = signedIn && t ? claims(t.id_token).email || '' : '';
  }
  $('sign-in').addEventListener('click', () => signIn().catch((e) => problem('Sign-in failed: ' + e.message)));
  $('sign-out').addEventListener('click', () => signOut());
  $('file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (file) upload(file);
  });
  $('cancel').addEventListener('click', () => { if (currentUpload) currentUpload.abort(); });
  $('refresh').addEventListener('click', () => listJobs());
  $('job-cancel').addEventListener('click', () => {
    if (followed && followed.jobId) cancelJob({ jobId: followed.jobId, fileName: followed.name });
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const files = e.dataTransfer.files;
    if (files.length !== 1) { problem('Drop one video at a time.'); return; }
    upload(files[0]);
  });

  async function start() {
    try { await finishSignIn(); } catch (e) { problem(e.message); }
    if (!idToken() && !(await refresh())) { show(false); return; }
    show(true);
    const jobs = await listJobs();
    // After a reload: the newest video still on its way is followed again.
    const running = (jobs || []).find((j) => !TERMINAL.includes(j.status));
    if (running) follow({ jobId: running.jobId, inputFile: running.inputFile, name: running.fileName, status: running.status, progress: running.progress });
  }
  start();
})();
