// A small AppSync Events client for the page: subscribe to one channel over the documented
// WebSocket protocol (subprotocols `aws-appsync-event-ws` and `header-<base64url auth>`,
// connection_init/ack, ka, subscribe, data, unsubscribe), and the channel form of a `sub`.
// No dependency; node's test runner checks channelOwner against the Rust vectors
// (handlers/tests/js/channel.test.js).
'use strict';
(function (root) {
  // wiring::owner::channel_owner: the sub when it is a channel segment without `--`, else
  // `b--` and the unpadded base64 of its UTF-8 bytes with `+` -> `-p`, `/` -> `-s`; null
  // when that exceeds 50 characters (no channel: the page polls).
  function channelOwner(sub) {
    if (typeof sub !== 'string' || sub === '') return null;
    if (/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/.test(sub) && sub.indexOf('--') < 0) return sub;
    let binary = '';
    new TextEncoder().encode(sub).forEach((b) => { binary += String.fromCharCode(b); });
    const form = 'b--' + btoa(binary).replace(/=+$/, '').replace(/\+/g, '-p').replace(/\//g, '-s');
    return form.length <= 50 ? form : null;
  }

  function b64url(text) {
    let binary = '';
    new TextEncoder().encode(text).forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // Subscribes to `channel`; calls on.ready() after subscribe_success, on.event(value) for
  // each event, and on.fail(reason) once on any error, close or missed keep-alive (the socket
  // is then closed). Returns { close() }, which ends it without calling on.fail.
  function subscribe(push, token, channel, on) {
    const auth = { host: push.httpDomain, Authorization: token };
    const id = (crypto.randomUUID && crypto.randomUUID()) || String(Math.random()).slice(2);
    let socket;
    let timer = null;
    let done = false;
    let timeoutMs = 300000;
    const finish = (reason) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try { socket.close(); } catch (e) { /* already closed */ }
      if (reason) on.fail(reason);
    };
    // No keep-alive within connectionTimeoutMs: the connection is dead.
    const alive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish('no keep-alive'), timeoutMs);
    };
    try {
      socket = new WebSocket(push.realtimeUrl, ['aws-appsync-event-ws', 'header-' + b64url(JSON.stringify(auth))]);
    } catch (e) {
      setTimeout(() => on.fail('cannot open the socket'), 0);
      return { close() {} };
    }
    socket.onopen = () => { socket.send(JSON.stringify({ type: 'connection_init' })); alive(); };
    socket.onerror = () => finish('socket error');
    socket.onclose = () => finish('socket closed');
    socket.onmessage = (message) => {
      let m;
      try { m = JSON.parse(message.data); } catch (e) { return finish('not JSON'); }
      if (m.type === 'connection_ack') {
        timeoutMs = m.connectionTimeoutMs || timeoutMs;
        alive();
        socket.send(JSON.stringify({ type: 'subscribe', id, channel, authorization: auth }));
      } else if (m.type === 'ka') {
        alive();
      } else if (m.type === 'subscribe_success' && m.id === id) {
        on.ready();
      } else if (m.type === 'data' && m.id === id) {
        try { on.event(JSON.parse(m.event)); } catch (e) { /* an event that is not JSON is skipped */ }
      } else if (m.type === 'subscribe_error' || m.type === 'error' || m.type === 'connection_error') {
        finish(((m.errors || [])[0] || {}).errorType || m.type);
      }
    };
    return {
      close() {
        if (!done && socket.readyState === 1) {
          try { socket.send(JSON.stringify({ type: 'unsubscribe', id })); } catch (e) { /* closing anyway */ }
        }
        finish(null);
      },
    };
  }

  const api = { channelOwner, subscribe };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.VodEvents = api;
})(typeof window === 'object' ? window : this);
