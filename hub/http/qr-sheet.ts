/**
 * The printable sheet of table QR codes for the manager: `GET /tables/qr`.
 *
 * The page itself is a static shell with no secret in it. Its small inline script (the sign-in part shared
 * with the other manager pages, hub/http/manager-page.ts) does what the other apps do to become a manager:
 * pair the browser once (`POST /api/v1/devices/pair`, kind `manager`; the device
 * token is kept in localStorage `brigade.qr-sheet.device`), sign in with a PIN (`POST /api/v1/staff/sessions`
 * with `roles: ['manager']`: the hub refuses a waiter's PIN, and the page says who and why; the staff session
 * is kept in sessionStorage only; Sign out ends it on the hub too), then read `GET /api/v1/tables/qr-codes` —
 * which the hub answers for a manager only. Each table becomes a card: its name big, the QR code (drawn in the
 * browser as SVG by the `qrcode-generator` package, served at `/tables/qr/qrcode.js`), "扫码点餐 Scan to
 * order" and the URL.
 *
 * "新桌码 New QR codes" (after a copy of the store leaked, README "Secrets at rest") asks for a confirmation on
 * the page, then `POST /api/v1/tables/qr-codes` `{ tables: "all" }`: every printed code stops working at once,
 * and the sheet is read again and shows the new ones to print. Print reads the codes again first too: another
 * manager may have replaced them since the sheet was drawn.
 *
 * The URL a code opens must be one the customers' phones can reach: the page's own address unless that is
 * loopback (a manager at the hub's own keyboard on `localhost`), then the hub's first LAN address, which the
 * shell carries; `?base=http://…` overrides both. Opened over HTTPS, the codes still use plain HTTP (a
 * stranger's phone has not installed the hub's CA): `plainHttpPort` tells the page that port. With the public
 * address up (HUB_PUBLIC_PORT, hub/gate), the codes name its port instead, on the page's host. Print CSS lays
 * the cards out 3 × 3 on A4.
 */
import { createRequire } from 'node:module';
import { networkInterfaces } from 'node:os';
import type { Express, Request } from 'express';
import { MANAGER_PAGE_CSS, managerAuthScript, managerGates, scriptJson } from './manager-page.ts';
import { outgoingAddress } from '../discovery/lan-address.ts';
import { pageCsp } from './security-headers.ts';

export const QR_SHEET_PATH = '/tables/qr';
const QR_SCRIPT_PATH = '/tables/qr/qrcode.js';
/** A classic browser script that defines the global `qrcode` (MIT, Kazuhiko Arase). */
const QR_SCRIPT_FILE = createRequire(import.meta.url).resolve('qrcode-generator');

/**
 * `http://<address>:<port>` for each non-internal IPv4 address of this machine: where phones can reach the hub.
 * `routed` (the address the kernel sends to the LAN from: discovery/lan-address.ts) comes first, since a
 * sheet opened on the hub machine itself prints the first: a Docker or VM bridge's address is listed too, and
 * no phone can reach it.
 */
export function lanOrigins(port: number, routed: string | null = null, interfaces = networkInterfaces()): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) out.push(`http://${a.address}:${port}`);
  }
  const first = routed === null ? -1 : out.indexOf(`http://${routed}:${port}`);
  return first <= 0 ? out : [out[first]!, ...out.slice(0, first), ...out.slice(first + 1)];
}

export interface QrSheetOptions {
  /**
   * The hub's plain-HTTP port. Only needed when the sheet is opened over HTTPS (the same app serves both):
   * customers' phones do not have the hub's CA, so their codes must open the plain-HTTP address.
   */
  plainHttpPort?: () => number | undefined;
  /** The public address's port (HUB_PUBLIC_PORT), when it is up: customers' phones go there. */
  publicPort?: () => number | undefined;
}

export function mountQrSheet(app: Express, o: QrSheetOptions = {}): void {
  app.get(QR_SHEET_PATH, async (req: Request, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', CSP);
    const publicPort = o.publicPort?.();
    const httpPort = publicPort ?? (req.secure ? (o.plainHttpPort?.() ?? null) : (req.socket.localPort ?? null));
    const lan = httpPort === null ? [] : lanOrigins(httpPort, await outgoingAddress());
    res.type('html').send(qrSheetPage({ httpPort, publicPort: publicPort ?? null, lan }));
  });
  app.get(QR_SCRIPT_PATH, (_req, res) => {
    // one fixed file of node_modules, which may sit under a hidden directory (a checkout in ~/.local/...)
    res.sendFile(QR_SCRIPT_FILE, { headers: { 'Cache-Control': 'public, max-age=86400', 'Content-Type': 'text/javascript; charset=utf-8' }, dotfiles: 'allow' });
  });
}

/**
 * `httpPort`: where phones reach the hub over plain HTTP (null: unknown, the page was opened over HTTPS);
 * `publicPort`: the public address's port when it is up (then the same as `httpPort`), else null.
 */
export function qrSheetPage(hub: { httpPort: number | null; publicPort?: number | null; lan: readonly string[] }): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>桌码 Table QR codes · Brigade</title>
<style>${CSS}</style>
</head>
<body>
<header class="bar">
  <h1>桌码打印 Table QR codes <small id="store"></small></h1>
  <div class="bar__actions" id="actions" hidden>
    <button type="button" id="print">打印 Print</button>
    <button type="button" id="replace">新桌码 New QR codes</button>
    <button type="button" id="signout">退出 Sign out</button>
  </div>
</header>
${managerGates(`${MANAGER_ONLY.join(' ')}.`)}
<section id="sheet" data-sheet hidden>
  <div class="replace" id="replace-confirm" data-replace-confirm hidden>
    <p><strong>换新全部桌码？ Give every table a new QR code?</strong></p>
    <p>现在桌上的二维码会立刻失效，顾客扫码会看到“二维码无效”；请打印新桌码并换上。
      Every code on the tables stops working at once (phones scanning one are told it is no longer valid): print the new ones and put them on the tables.</p>
    <div><button type="button" id="replace-yes" class="danger">确认换新 Replace every code</button>
      <button type="button" id="replace-no">取消 Cancel</button></div>
  </div>
  <p class="notice" id="notice" role="status" hidden></p>
  <p class="base" id="base"></p>
  <div class="cards" id="cards"></div>
</section>
<script type="application/json" id="hub">${scriptJson(hub)}</script>
<script src="${QR_SCRIPT_PATH}"></script>
<script>${SCRIPT}</script>
</body>
</html>`;
}

const MANAGER_ONLY = ['只有经理可以打印桌码', 'Only a manager can print the table QR codes'] as const;

const CSS = `${MANAGER_PAGE_CSS}
.base{max-width:60rem;margin:1rem auto;padding:0 1rem;color:#444}.base a{margin-right:.75rem}
.base .warn{color:#8a1c0a;font-weight:600}
.bar__actions{display:flex;gap:.5rem;flex-wrap:wrap}.bar button#replace{background:#b3261e}
.replace,.notice{max-width:60rem;margin:1rem auto;padding:.75rem 1rem;border-radius:.4rem}
.replace{background:#fde8e4;color:#5c1306;display:grid;gap:.5rem}.replace p{margin:0}.replace div{display:flex;gap:.5rem;flex-wrap:wrap}
.replace button{font:inherit;padding:.5rem 1rem;border-radius:.4rem;border:0;background:#51606b;color:#fff;cursor:pointer;min-height:44px}
.replace button.danger{background:#b3261e}
.notice{background:#e6f2ea;color:#1d4d2c}.notice.bad{background:#fde8e4;color:#8a1c0a}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(62mm,1fr));gap:6mm;padding:0 1rem 2rem;max-width:210mm;margin:0 auto}
.card{background:#fff;border:1px dashed #888;border-radius:3mm;padding:5mm 4mm;text-align:center;display:flex;flex-direction:column;align-items:center;gap:2mm;break-inside:avoid;page-break-inside:avoid}
.card__table{font-size:30pt;font-weight:800;line-height:1;letter-spacing:.02em}
.card__qr{width:42mm;height:42mm}.card__qr svg{width:100%;height:100%;display:block}
.card__cta{font-size:13pt;font-weight:700;margin:0}
.card__url{font:8pt/1.2 ui-monospace,monospace;word-break:break-all;margin:0;color:#333}
@page{size:A4;margin:10mm}
@media print{
  body{background:#fff}
  .bar,.gate,.error,.base,.replace,.notice{display:none!important}
  .cards{grid-template-columns:repeat(3,1fr);gap:5mm;padding:0;max-width:none}
  .card{height:86mm;justify-content:center;border-color:#999}
}
`;

/* Plain ES2017 for any browser on the store's LAN (no build step, no secure context needed). */
const SCRIPT = `
(function () {
  'use strict';
  ${managerAuthScript({ key: 'qr-sheet', deviceName: '桌码打印 QR sheet', main: 'sheet', managerOnly: MANAGER_ONLY })}
  var hub = JSON.parse(document.getElementById('hub').textContent || '{}');
  var lan = hub.lan || [];

  function isLoopback(host) { return host === 'localhost' || host === '[::1]' || /^127\\./.test(host); }
  /**
   * Where the codes point: ?base=, else the hub's public address (its own port for phones) on this page's
   * host, else this page's address over plain HTTP (phones lack the hub's CA).
   */
  /** The ?base= asked for: its address, null when it is not an http(s) URL with a host, undefined when none. */
  function requestedBase() {
    var q = new URLSearchParams(location.search).get('base');
    if (!q) return undefined;
    try {
      var u = new URL(q);
      if ((u.protocol === 'http:' || u.protocol === 'https:') && u.host) return (u.origin + u.pathname).replace(/\\/+$/, '');
    } catch (e) { /* not a URL: ignored, and said so */ }
    return null;
  }
  function baseUrl() {
    var q = requestedBase();
    if (q) return q;
    if (isLoopback(location.hostname) && lan.length > 0) return lan[0];
    if (hub.publicPort) return 'http://' + location.hostname + ':' + hub.publicPort;
    if (location.protocol === 'http:') return location.origin;
    return hub.httpPort ? 'http://' + location.hostname + ':' + hub.httpPort : null;
  }

  function qrSvg(text) {
    var qr = qrcode(0, 'M');
    qr.addData(text);
    qr.make();
    // error correction M survives a scuffed or wet card; margin 16 = 4 modules of quiet zone, as ISO/IEC 18004 asks
    return qr.createSvgTag({ cellSize: 4, margin: 16, scalable: true });
  }

  function render(tables) {
    var base = baseUrl();
    var note = $('base');
    note.textContent = '';
    $('cards').textContent = '';
    if (!base) {
      show('sheet');
      error('此页面经 HTTPS 打开，但顾客手机需要中枢的 HTTP 地址 This page came over HTTPS, but customers\\' phones need the hub\\'s plain HTTP address: open it at http://<hub>:<port>/tables/qr, or add ?base=http://<hub>:<port>');
      return false;
    }
    note.appendChild(document.createTextNode('二维码指向 The codes open: '));
    note.appendChild(el('strong', null, base));
    if (isLoopback(new URL(base).hostname)) note.appendChild(el('span', 'warn', ' — 只在本机有效 works on this computer only: open this page at the hub\\'s LAN address'));
    var asked = requestedBase();
    if (asked === null) note.appendChild(el('span', 'warn', ' — 无效的 ?base= 已忽略 the ?base= given is not an http(s) address and was ignored'));
    // a link to this page with someone else's ?base= would print codes that send the customers elsewhere
    var known = lan.map(function (o) { return new URL(o).hostname; }).concat([location.hostname]);
    if (asked && known.indexOf(new URL(asked).hostname) < 0) {
      note.appendChild(el('span', 'warn', ' — 不是本中枢已知的地址，打印前请核对 not an address this hub knows it has: check it before printing'));
    }
    var others = lan.concat(location.protocol === 'http:' && !hub.publicPort ? [location.origin] : []).filter(function (o, i, all) { return o !== base && all.indexOf(o) === i; });
    if (others.length) {
      note.appendChild(el('br'));
      note.appendChild(document.createTextNode('其他地址 Other addresses: '));
      others.forEach(function (o) { var a = el('a', null, o); a.href = '?base=' + encodeURIComponent(o); note.appendChild(a); });
    }
    var cards = $('cards');
    cards.textContent = '';
    tables.forEach(function (t) {
      var url = base + t.path;
      var card = el('article', 'card');
      card.setAttribute('data-table-card', t.id);
      card.appendChild(el('div', 'card__table', t.name));
      var qr = el('div', 'card__qr');
      qr.setAttribute('data-qr', '');
      qr.innerHTML = qrSvg(url);
      card.appendChild(qr);
      card.appendChild(el('p', 'card__cta', '扫码点餐 Scan to order'));
      var u = el('p', 'card__url', url);
      u.setAttribute('data-url', '');
      card.appendChild(u);
      cards.appendChild(card);
    });
    show('sheet');
    return true;
  }

  async function start() {
    var device = load(localStorage, DEVICE);
    if (!device) return show('pair');
    var staff = load(sessionStorage, STAFF);
    if (!staff || staff.expiresAt <= Date.now()) return show('pin');
    var r = await api('GET', '/api/v1/tables/qr-codes', staff.token);
    if (r.status === 200) { error(''); return render(r.body.tables); }
    // a hub busy or out of reach for a moment is no reason to sign out: the manager reloads and goes on
    if (r.status === 0 || r.status === 429 || r.status >= 500) {
      $('cards').textContent = ''; // what was drawn may be codes replaced since
      show('sheet');
      error('无法读取桌码，请稍后重新载入 Could not read the table codes; reload the page in a moment: ' + hubMessage(r));
      return false;
    }
    // a session this page will not use is ended on the hub, not only forgotten here (a 401: it has ended)
    if (r.status === 401) save(sessionStorage, STAFF, null);
    else void signOut();
    show('pin');
    if (r.status === 403) error('只有经理可以打印桌码 Only a manager can print the table QR codes (' + (staff.staff && staff.staff.name || '') + '): ' + hubMessage(r));
    else if (r.status === 401) error('请重新登录 Please sign in again: ' + hubMessage(r));
    else error('无法读取桌码 Could not read the table codes: ' + hubMessage(r));
  }

  function notice(text, bad) {
    $('notice').textContent = text || '';
    $('notice').className = 'notice' + (bad ? ' bad' : '');
    $('notice').hidden = !text;
  }
  // read again before printing: another manager may have replaced the codes since this sheet was drawn, and
  // a sheet printed from what the page held would put codes on the tables that the hub refuses
  $('print').addEventListener('click', async function () {
    var button = $('print');
    if (button.disabled) return;
    button.disabled = true;
    notice('');
    var staff = load(sessionStorage, STAFF);
    var r = await api('GET', '/api/v1/tables/qr-codes', staff && staff.token);
    button.disabled = false;
    if (r.status === 200) { error(''); if (render(r.body.tables)) window.print(); return; }
    if (r.status === 401) { save(sessionStorage, STAFF, null); show('pin'); return error('请重新登录 Please sign in again: ' + hubMessage(r)); }
    notice('未能读取当前桌码，未打印 Could not read the current codes, so nothing was printed: ' + hubMessage(r) + (r.status ? '' : ' — 请重试 try again'), true);
  });
  $('replace').addEventListener('click', function () { notice(''); $('replace-confirm').hidden = false; $('replace-yes').focus(); });
  $('replace-no').addEventListener('click', function () { $('replace-confirm').hidden = true; });
  $('replace-yes').addEventListener('click', async function () {
    $('replace-yes').disabled = true;
    var r = await mutate('replace', 'POST', '/api/v1/tables/qr-codes', { tables: 'all' });
    $('replace-yes').disabled = false;
    if (r.status === 401) { save(sessionStorage, STAFF, null); show('pin'); return error('请重新登录 Please sign in again: ' + hubMessage(r)); }
    if (r.status !== 200) return notice('未能换新桌码 The codes were not replaced: ' + hubMessage(r) + (r.status ? '' : ' — 请重试 try again'), true);
    $('replace-confirm').hidden = true;
    await start();
    notice('已换新 ' + r.body.tables.length + ' 张桌码，旧桌码已失效：请打印并换上。' + r.body.tables.length + ' tables have new codes and the old ones no longer work: print these and put them on the tables.');
  });
  start();
})();
`;

/** The page runs its one inline script and style and nothing else inline (hub/http/security-headers.ts). */
const CSP = pageCsp({ scripts: [SCRIPT], styles: [CSS], scriptFiles: true }); // the QR encoder, QR_SCRIPT_PATH
