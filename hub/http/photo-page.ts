/**
 * The manager's dish photo page: `GET /menu/photos`. A static shell with no secret in it, like the QR sheet:
 * its inline script pairs the browser and signs a manager in (hub/http/manager-page.ts: the sign-in takes
 * managers only, so the hub refuses a waiter's PIN without making a session, and refuses a waiter's upload
 * anyway; Sign out ends the session on the hub), then lists the menu
 * (`GET /api/v1/menu`) by category: each dish with its current picture (the smallest variant,
 * `/media/<hash>-<width>.webp`) or "no photo", a file input that uploads the chosen file
 * (`PUT /api/v1/menu/items/:itemId/image`, its bytes as the body, the file's own Content-Type) and a remove
 * button (`DELETE` on the same path). Each write carries a fresh Idempotency-Key made with
 * `crypto.getRandomValues` (the page may be plain HTTP, not a secure context: no `crypto.randomUUID`).
 * The upload uses XMLHttpRequest for its progress; the hub's error body (message, `details.reason`) is shown
 * on the dish's card. No framework, no external resource.
 */
import type { Express } from 'express';
import { IMAGE_UPLOAD_MAX_BYTES, IMAGE_UPLOAD_TYPES } from '../protocol/media.ts';
import { MANAGER_PAGE_CSS, managerAuthScript, managerGates, scriptJson } from './manager-page.ts';
import { pageCsp } from './security-headers.ts';

export const PHOTO_PAGE_PATH = '/menu/photos';

export function mountPhotoPage(app: Express): void {
  app.get(PHOTO_PAGE_PATH, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', CSP);
    res.type('html').send(photoPage());
  });
}

export function photoPage(): string {
  const limits = { types: IMAGE_UPLOAD_TYPES, maxBytes: IMAGE_UPLOAD_MAX_BYTES };
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>菜品照片 Dish photos · Brigade</title>
<style>${CSS}</style>
</head>
<body>
<header class="bar">
  <h1>菜品照片 Dish photos <small id="store"></small></h1>
  <div class="bar__actions" id="actions" hidden>
    <button type="button" id="signout">退出 Sign out</button>
  </div>
</header>
${managerGates(`${MANAGER_ONLY.join(' ')}.`)}
<section id="photos" data-photos hidden>
  <p class="hint">JPEG / PNG / WebP, ≤ ${IMAGE_UPLOAD_MAX_BYTES / 1024 / 1024} MB, ≥ 64 px</p>
  <div id="menu"></div>
</section>
<script type="application/json" id="limits">${scriptJson(limits)}</script>
<script>${SCRIPT}</script>
</body>
</html>`;
}

const MANAGER_ONLY = ['只有经理可以更改菜品照片', 'Only a manager can change dish photos'] as const;

const CSS = `${MANAGER_PAGE_CSS}
.hint{max-width:60rem;margin:1rem auto 0;padding:0 1rem;color:#555}
#menu{max-width:60rem;margin:0 auto;padding:0 1rem 2rem}
.cat h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.dishes{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.75rem}
.dish{background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0002;padding:.6rem;display:grid;gap:.4rem}
.dish__pic{aspect-ratio:4/3;background:#e4e4e0;border-radius:.3rem;display:flex;align-items:center;justify-content:center;overflow:hidden;color:#777}
.dish__pic img{width:100%;height:100%;object-fit:cover;display:block}
.dish__name{font-weight:700}.dish__name small{display:block;font-weight:400;color:#555}
.dish__actions{display:flex;gap:.4rem;flex-wrap:wrap;align-items:center}
.dish__actions label,.dish__actions button{font:inherit;font-size:.9rem;padding:.4rem .7rem;border-radius:.4rem;border:0;background:#e8562a;color:#fff;cursor:pointer;min-height:40px;display:inline-flex;align-items:center}
.dish__actions button{background:#51606b}
.dish__actions input{position:absolute;width:1px;height:1px;opacity:0}
.dish__status{margin:0;font-size:.9rem;color:#444;min-height:1.3em}
.dish__status.bad{color:#8a1c0a}
`;

/* Plain ES2017 for any browser on the store's LAN (no build step, no secure context needed). */
const SCRIPT = `
(function () {
  'use strict';
  ${managerAuthScript({ key: 'menu-photos', deviceName: '菜品照片 Dish photos', main: 'photos', managerOnly: MANAGER_ONLY })}
  var limits = JSON.parse(document.getElementById('limits').textContent || '{}');

  /** An Idempotency-Key: 128 random bits as hex (crypto.getRandomValues works without a secure context). */
  function newKey() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  function imagePath(itemId) { return '/api/v1/menu/items/' + encodeURIComponent(itemId) + '/image'; }
  function problem(r) {
    var reason = r.body && r.body.error && r.body.error.details && r.body.error.details.reason;
    var what = r.status === 413 ? '照片太大 Too large' : r.status === 415 ? '格式不支持 Unsupported type' : r.status === 422 ? '不是有效的图片 Not a usable image' : r.status === 403 ? '无权限 Not allowed' : r.status === 507 ? '磁盘空间不足 Hub disk is full' : '失败 Failed';
    return what + ' (' + (r.status || '—') + (reason ? ', ' + reason : '') + '): ' + hubMessage(r);
  }
  function staffToken() { var staff = load(sessionStorage, STAFF); return staff ? staff.token : null; }

  function upload(itemId, file, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open('PUT', imagePath(itemId));
      xhr.setRequestHeader('authorization', 'Bearer ' + staffToken());
      xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
      xhr.setRequestHeader('Idempotency-Key', newKey());
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100)); };
      xhr.onload = function () { var body = null; try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ } resolve({ status: xhr.status, body: body }); };
      xhr.onerror = function () { resolve({ status: 0, body: null }); };
      xhr.send(file);
    });
  }

  function setPicture(card, item) {
    var pic = card.querySelector('.dish__pic');
    pic.textContent = '';
    var img = item.image;
    if (img && img.widths && img.widths.length) {
      var i = el('img');
      i.alt = item.nameZh + ' ' + item.nameEn;
      i.setAttribute('data-photo', '');
      i.style.background = img.color || '';
      i.src = '/media/' + img.hash + '-' + img.widths[0] + '.webp';
      pic.appendChild(i);
    } else {
      var none = el('span', null, '无照片 No photo');
      none.setAttribute('data-no-photo', '');
      pic.appendChild(none);
    }
    card.querySelector('[data-remove]').hidden = !img;
  }

  function status(card, text, bad) { var s = card.querySelector('[data-status]'); s.textContent = text || ''; s.className = 'dish__status' + (bad ? ' bad' : ''); }

  function dishCard(item) {
    var card = el('article', 'dish');
    card.setAttribute('data-dish', item.id);
    card.appendChild(el('div', 'dish__pic'));
    var name = el('div', 'dish__name', item.nameZh);
    name.appendChild(el('small', null, item.nameEn));
    card.appendChild(name);
    var actions = el('div', 'dish__actions');
    var label = el('label', null, '上传照片 Upload photo');
    var input = el('input');
    input.type = 'file';
    input.accept = (limits.types || []).join(',');
    input.setAttribute('data-upload', '');
    label.appendChild(input);
    actions.appendChild(label);
    var remove = el('button', null, '删除照片 Remove photo');
    remove.type = 'button';
    remove.setAttribute('data-remove', '');
    actions.appendChild(remove);
    card.appendChild(actions);
    var st = el('p', 'dish__status');
    st.setAttribute('data-status', '');
    st.setAttribute('role', 'status');
    card.appendChild(st);
    setPicture(card, item);

    input.addEventListener('change', async function () {
      var file = input.files && input.files[0];
      input.value = '';
      if (!file) return;
      if (limits.maxBytes && file.size > limits.maxBytes) return status(card, '照片太大 Too large: ' + Math.ceil(file.size / 1048576) + ' MB > ' + limits.maxBytes / 1048576 + ' MB', true);
      input.disabled = true;
      status(card, '上传中 Uploading… 0%');
      var r = await upload(item.id, file, function (pct) { status(card, '上传中 Uploading… ' + pct + '%'); });
      input.disabled = false;
      if (signedOut(r)) return;
      if (r.status === 200 && r.body && r.body.item) { item = r.body.item; setPicture(card, item); return status(card, '已保存 Saved'); }
      status(card, problem(r), true);
    });
    remove.addEventListener('click', async function () {
      remove.disabled = true;
      status(card, '删除中 Removing…');
      var r = await api('DELETE', imagePath(item.id), staffToken(), undefined, { 'Idempotency-Key': newKey() });
      remove.disabled = false;
      if (signedOut(r)) return;
      if (r.status === 200 && r.body && r.body.item) { item = r.body.item; setPicture(card, item); return status(card, '已删除 Removed'); }
      status(card, problem(r), true);
    });
    return card;
  }

  function bySort(a, b) { return a.sort - b.sort; }
  function render(menu) {
    var root = $('menu');
    root.textContent = '';
    menu.categories.slice().sort(bySort).forEach(function (c) {
      var items = menu.items.filter(function (i) { return i.categoryId === c.id; }).sort(bySort);
      if (!items.length) return;
      var section = el('section', 'cat');
      section.setAttribute('data-category', c.id);
      section.appendChild(el('h2', null, c.nameZh + ' ' + c.nameEn));
      var grid = el('div', 'dishes');
      items.forEach(function (i) { grid.appendChild(dishCard(i)); });
      section.appendChild(grid);
      root.appendChild(section);
    });
    show('photos');
  }

  async function start() {
    var staff = signedInManager();
    if (!staff) return;
    var r = await api('GET', '/api/v1/menu', null);
    if (r.status === 200 && r.body && r.body.menu) { error(''); return render(r.body.menu); }
    show('pin');
    error('无法读取菜单 Could not read the menu: ' + hubMessage(r));
  }

  start();
})();
`;

/** The page runs its one inline script and style and nothing else inline (hub/http/security-headers.ts). */
const CSP = pageCsp({ scripts: [SCRIPT], styles: [CSS] });
