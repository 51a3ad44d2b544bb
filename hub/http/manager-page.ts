/**
 * What the hub's own manager pages (`/tables/qr`, `/menu/photos`, `/printers`) share: the pairing and PIN forms, their
 * CSS, and the inline script that signs a manager in and out. Each page is a static shell with no secret in
 * it; the script pairs the browser once (`POST /api/v1/devices/pair`, kind `manager`; the device token is kept
 * in localStorage `brigade.<key>.device`), signs in with a PIN (`POST /api/v1/staff/sessions` with
 * `roles: ['manager']`, so the hub refuses anyone else without making a session; the staff session is kept in
 * sessionStorage only, its `expiresAt` moved onto this computer's clock), then calls the page's own `start()`.
 * Sign out (`#signout`) ends the session on the hub (`DELETE /api/v1/staff/sessions/current`, with the
 * session's own token) as well as in the tab.
 *
 * The script is a fragment for the page's IIFE (plain ES2017, no build step, no secure context needed). It
 * defines `$`, `load`, `save`, `show`, `error`, `hubMessage`, `api`, `el`, `signOut`, `mutate`, `DEVICE`, `STAFF`
 * and wires the forms and `#signout`; the page defines `async function start()` (hoisted) and calls it.
 */

import type { Role } from '../protocol/common.ts';

/** JSON safe inside a `<script>` element. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export const MANAGER_PAGE_CSS = `
*{box-sizing:border-box}
[hidden]{display:none!important}
body{font:16px/1.45 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:0;color:#111;background:#f4f4f2}
.bar{display:flex;align-items:center;justify-content:space-between;gap:1rem;padding:.75rem 1.25rem;background:#1d2a33;color:#fff}
.bar h1{font-size:1.2rem;margin:0}.bar small{font-weight:400;opacity:.8}
.bar button,.gate button{font:inherit;padding:.5rem 1rem;border-radius:.4rem;border:0;background:#e8562a;color:#fff;cursor:pointer;min-height:44px}
.bar button#signout{background:#51606b}
.gate{max-width:24rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.6rem;box-shadow:0 1px 4px #0002;display:grid;gap:.75rem}
.gate h2{margin:0;font-size:1.2rem}.gate p{margin:0;color:#555}
.gate label{display:grid;gap:.25rem}.gate input{font:inherit;font-size:1.4rem;padding:.5rem;letter-spacing:.2em}
.error{max-width:40rem;margin:1rem auto 0;padding:.75rem 1rem;background:#fde8e4;color:#8a1c0a;border-radius:.4rem}
`;

/** The error line and the two sign-in forms; `pinHint` says why a manager is needed. */
export function managerGates(pinHint: string): string {
  return `<p class="error" id="error" role="alert" data-error hidden></p>
<form class="gate" id="pair" data-gate="pair" hidden>
  <h2>配对此电脑 Pair this computer</h2>
  <p>输入中枢显示的配对码 Enter the pairing code the hub shows.</p>
  <label>配对码 Pairing code <input name="code" inputmode="numeric" autocomplete="off" required></label>
  <button type="submit">配对 Pair</button>
</form>
<form class="gate" id="pin" data-gate="pin" hidden>
  <h2>经理登录 Manager sign-in</h2>
  <p>${pinHint}</p>
  <label>PIN <input name="pin" type="password" inputmode="numeric" autocomplete="off" required></label>
  <button type="submit">登录 Sign in</button>
</form>`;
}

/** How the refusal names a role, in Chinese and English. */
const ROLE_NAMES: Record<Role, readonly [zh: string, en: string]> = {
  waiter: ['服务员', 'a waiter'],
  cashier: ['收银员', 'a cashier'],
  kitchen: ['厨房员工', 'kitchen staff'],
  manager: ['经理', 'a manager'],
};

/**
 * `key`: the storage namespace (`brigade.<key>.device|staff|signouts`); `deviceName`: what the hub lists the
 * browser as; `main`: the id of the section shown once signed in (with the `#actions` toolbar); `managerOnly`:
 * the page's own "only a manager can …" in Chinese and English, which begins the refusal of anyone else.
 */
export function managerAuthScript(o: { key: string; deviceName: string; main: string; managerOnly: readonly [zh: string, en: string] }): string {
  return `
  var DEVICE = ${scriptJson(`brigade.${o.key}.device`)};
  var STAFF = ${scriptJson(`brigade.${o.key}.staff`)};
  var SIGNOUTS = ${scriptJson(`brigade.${o.key}.signouts`)};
  var MAIN = ${scriptJson(o.main)};
  var MANAGER_ONLY = ${scriptJson(o.managerOnly)};
  var ROLE_NAMES = ${scriptJson(ROLE_NAMES)};
  var $ = function (id) { return document.getElementById(id); };

  function load(store, key) { try { var v = store.getItem(key); return v ? JSON.parse(v) : null; } catch (e) { return null; } }
  function save(store, key, value) { try { if (value == null) store.removeItem(key); else store.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: keep going */ } }
  function show(which) {
    var shown = !$(which).hidden;
    ['pair', 'pin', MAIN].forEach(function (id) { $(id).hidden = id !== which; });
    $('actions').hidden = which !== MAIN;
    var input = which === MAIN || shown ? null : $(which).querySelector('input');
    if (input) input.focus();
  }
  function error(message) { $('error').textContent = message || ''; $('error').hidden = !message; }
  function hubMessage(r) { return r.body && r.body.error && r.body.error.message ? r.body.error.message : (r.status ? 'HTTP ' + r.status : '中枢无应答 The hub did not answer'); }
  // a 401 on the page's own request: the session ended (signed out elsewhere, a new PIN): back to the PIN form
  function signedOut(r) {
    if (r.status !== 401) return false;
    save(sessionStorage, STAFF, null);
    show('pin');
    error('请重新登录 Please sign in again: ' + hubMessage(r));
    return true;
  }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }

  async function api(method, path, token, body, headers) {
    headers = headers || {};
    if (token) headers.authorization = 'Bearer ' + token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      var sentAt = Date.now();
      var res = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
      // the hub's clock minus this computer's, from the answer's Date (whole seconds: its middle, at mid-trip)
      var hubAt = Date.parse(res.headers.get('date') || '');
      var offsetMs = isNaN(hubAt) ? 0 : hubAt + 500 - (sentAt + Date.now()) / 2;
      var json = null;
      try { json = await res.json(); } catch (e) { /* not JSON */ }
      return { status: res.status, body: json, offsetMs: offsetMs };
    } catch (e) {
      return { status: 0, body: null };
    }
  }

  $('pair').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var code = String(new FormData(ev.target).get('code') || '').trim();
    var r = await api('POST', '/api/v1/devices/pair', null, { code: code, name: ${scriptJson(o.deviceName)}, kind: 'manager' });
    if (r.status !== 201) { show('pair'); return error('配对失败 Pairing failed: ' + hubMessage(r)); }
    save(localStorage, DEVICE, { token: r.body.deviceToken, deviceId: r.body.device.id, name: r.body.device.name, kind: r.body.device.kind });
    error('');
    show('pin');
  });

  /** The hub's 403 to a sign-in whose role this page does not take: who was refused, and why, in both languages. */
  function refusal(r) {
    var d = r.body && r.body.error && r.body.error.details;
    if (!d || !d.role) return '登录被拒绝 Sign-in refused: ' + hubMessage(r);
    var role = ROLE_NAMES[d.role] || [d.role, d.role];
    var who = d.name || '';
    return MANAGER_ONLY[0] + '：' + who + ' 是' + role[0] + '，中枢拒绝了登录。' +
      MANAGER_ONLY[1] + ': ' + who + ' is ' + role[1] + ', so the hub refused the sign-in.';
  }

  /*
   * Sign-outs the hub has not confirmed: { token, expiresAt } (on this computer's clock, as the session's).
   * Kept in sessionStorage, like the session itself, so a staff token never outlives the tab in this browser; a
   * tab closed before the hub answered leaves that session to end by itself (12 hours at most).
   */
  var turn = Promise.resolve();
  var retry = null;
  /** Runs fn after the round of sign-outs under way: one round at a time, so none is sent twice. */
  function inTurn(fn) {
    var done = turn.then(fn);
    turn = done.then(function () {}, function () {});
    return done;
  }
  function pendingSignOuts() {
    var now = Date.now();
    return (load(sessionStorage, SIGNOUTS) || []).filter(function (p) { return p && p.token && p.expiresAt > now; });
  }
  function setPending(list) { save(sessionStorage, SIGNOUTS, list.length ? list : null); }
  /** One round of the pending sign-outs; no answer (or 429, 5xx) keeps one for the next round, in 30 s. */
  async function sendRound() {
    var list = pendingSignOuts();
    for (var i = 0; i < list.length; i++) {
      var r = await api('DELETE', '/api/v1/staff/sessions/current', list[i].token);
      // 200: ended; 401: ended already (or expired); any other answer would not change on a resend
      if (r.status !== 0 && r.status !== 429 && r.status < 500) {
        var sent = list[i].token;
        setPending(pendingSignOuts().filter(function (p) { return p.token !== sent; }));
      }
    }
    if (retry) clearTimeout(retry);
    retry = pendingSignOuts().length ? setTimeout(function () { retry = null; sendSignOuts(); }, 30000) : null;
  }
  function sendSignOuts() { return inTurn(sendRound); }
  /**
   * Forgets the tab's session at once (the page shows the PIN form without waiting for the network) and ends it
   * on the hub, so its token is no use to anyone who copied it; unanswered, the sign-out is sent again (every
   * 30 s, when the browser is back online, at the next sign-in and on the next load of this tab).
   */
  function signOut() {
    var staff = load(sessionStorage, STAFF);
    save(sessionStorage, STAFF, null);
    if (staff && staff.token) setPending(pendingSignOuts().concat([{ token: staff.token, expiresAt: staff.expiresAt }]));
    return sendSignOuts();
  }

  $('pin').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var device = load(localStorage, DEVICE);
    if (!device) return show('pair');
    var pin = String(new FormData(ev.target).get('pin') || '');
    ev.target.reset(); // a PIN never stays on the screen
    var r = await api('POST', '/api/v1/staff/sessions', device.token, { pin: pin, roles: ['manager'] });
    // the hub answers again: what an earlier sign-out left unsent goes now. Not before the sign-in, nor in its
    // way: each sign-out ends only the session it names, and one that hangs must not hold a manager out
    void sendSignOuts();
    if (r.status === 201) {
      // expiresAt is on the hub's clock: kept on this computer's, which every check here reads (Date.now()). A
      // hub whose clock is behind (a flat clock battery after a power cut) otherwise gave a session that looked
      // over at once (the PIN form again, the session left on the hub) and a sign-out dropped unsent
      save(sessionStorage, STAFF, Object.assign({}, r.body, { expiresAt: r.body.expiresAt - r.offsetMs }));
      return start();
    }
    if (r.status === 401 && r.body && r.body.error && r.body.error.code === 'unauthenticated') {
      save(localStorage, DEVICE, null); // the hub no longer knows this computer: pair again
      show('pair');
      return error('请重新配对 Please pair this computer again: ' + hubMessage(r));
    }
    show('pin');
    if (r.status === 403) return error(refusal(r));
    error('登录失败 Sign-in failed: ' + hubMessage(r));
  });

  /**
   * The manager signed in on this browser, or null once the pairing or PIN form is shown instead. The hub
   * refuses anyone else's PIN here (roles: ['manager']); a session from before that is ended on the hub.
   */
  function signedInManager() {
    if (!load(localStorage, DEVICE)) { show('pair'); return null; }
    var staff = load(sessionStorage, STAFF);
    if (!staff || staff.expiresAt <= Date.now()) { show('pin'); return null; }
    if (!staff.staff || staff.staff.role !== 'manager') {
      void signOut();
      show('pin');
      error(MANAGER_ONLY[0] + ' ' + MANAGER_ONLY[1] + ' (' + (staff.staff && staff.staff.name || '') + ')');
      return null;
    }
    return staff;
  }
  /*
   * A change sent with the tab's staff session and an Idempotency-Key made here (crypto.getRandomValues: no
   * secure context needed). One the hub did not answer (no answer, 429, 5xx) keeps its key: the manager's
   * retry of the same action with the same body is the same request, so nothing is done twice; any answer
   * ends the key. \`action\`: what the button does ('add', 'pin:<id>', …).
   */
  var unanswered = {};
  function mutationKey() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  async function mutate(action, method, path, body) {
    var sig = method + ' ' + path + ' ' + JSON.stringify(body === undefined ? null : body);
    var was = unanswered[action];
    var key = was && was.sig === sig ? was.key : mutationKey();
    unanswered[action] = { sig: sig, key: key };
    var staff = load(sessionStorage, STAFF);
    var r = await api(method, path, staff ? staff.token : null, body, { 'Idempotency-Key': key });
    if (r.status !== 0 && r.status !== 429 && r.status < 500) delete unanswered[action];
    return r;
  }

  $('signout').addEventListener('click', function () { void signOut(); error(''); show('pin'); });
  window.addEventListener('online', function () { void sendSignOuts(); });
  void sendSignOuts(); // a reload of this tab: what an earlier sign-out left unsent

  api('GET', '/api/v1/health').then(function (r) { if (r.body && r.body.storeName) $('store').textContent = '· ' + r.body.storeName; });
`;
}
