/**
 * The manager's staff page: `GET /staff`. A static shell with no secret in it, like the other manager pages:
 * its inline script pairs the browser and signs a manager in (hub/http/manager-page.ts: managers only, Sign
 * out ends the session on the hub), then lists the staff (`GET /api/v1/staff`: names, roles, active; never a
 * PIN) and lets the manager add someone (`POST /api/v1/staff`), set a new PIN (`POST /api/v1/staff/:id/pin`)
 * and deactivate or re-activate someone (`PATCH /api/v1/staff/:id`, deactivation after a confirmation). A PIN
 * change or a deactivation ends the person's sessions on every tablet at once. PINs are typed into password
 * fields and cleared as soon as they are sent. The staff address only (hub/gate/protocol.ts).
 */
import type { Express } from 'express';
import type { Role } from '../protocol/common.ts';
import { MANAGER_PAGE_CSS, managerAuthScript, managerGates, scriptJson } from './manager-page.ts';
import { pageCsp } from './security-headers.ts';

export const STAFF_PAGE_PATH = '/staff';

export function mountStaffPage(app: Express): void {
  app.get(STAFF_PAGE_PATH, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', CSP);
    res.type('html').send(PAGE);
  });
}

const MANAGER_ONLY = ['只有经理可以管理员工', 'Only a manager can manage the staff'] as const;

/** Each role as the page names it. */
const ROLE_LABELS: Record<Role, string> = {
  waiter: '服务员 Waiter',
  cashier: '收银员 Cashier',
  kitchen: '厨房 Kitchen',
  manager: '经理 Manager',
};

const CSS = `${MANAGER_PAGE_CSS}
.bar__actions{display:flex;gap:.5rem;flex-wrap:wrap}
#staff{max-width:60rem;margin:0 auto;padding:1rem;display:grid;gap:1rem}
.notice{margin:0;padding:.6rem .9rem;border-radius:.4rem;background:#e6f2ea;color:#1d4d2c}.notice.bad{background:#fde8e4;color:#8a1c0a}
.panel{background:#fff;border-radius:.6rem;box-shadow:0 1px 4px #0002;padding:1rem;display:grid;gap:.75rem}
.panel h2{margin:0;font-size:1.15rem}.panel p{margin:0;color:#555}
.fields{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:.6rem .9rem;align-items:end}
.fields label{display:grid;gap:.2rem;font-size:.92rem;color:#333}
input,select{font:inherit;padding:.45rem .5rem;border:1px solid #b9bec2;border-radius:.35rem;min-height:44px;background:#fff;width:100%}
.btn{font:inherit;font-size:.9rem;padding:.35rem .7rem;border-radius:.4rem;border:0;background:#51606b;color:#fff;cursor:pointer;min-height:44px}
.btn--primary{background:#e8562a}.btn--danger{background:#b3261e}.btn:disabled{opacity:.55;cursor:default}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.5rem .4rem;border-top:1px solid #eee;vertical-align:top}
th{font-size:.85rem;color:#555;border-top:0}
tr.off td{color:#888}
.tools{display:flex;flex-wrap:wrap;gap:.4rem}
.inline{display:flex;flex-wrap:wrap;gap:.4rem;margin-top:.4rem}.inline input{width:9rem}
.msg{margin:.3rem 0 0;font-size:.9rem;color:#1d4d2c}.msg.bad{color:#8a1c0a;font-weight:600}
`;

const PAGE_BODY = `<header class="bar">
  <h1>员工 Staff <small id="store"></small></h1>
  <div class="bar__actions" id="actions" hidden>
    <button type="button" id="signout">退出 Sign out</button>
  </div>
</header>
${managerGates(`${MANAGER_ONLY.join(' ')}.`)}
<section id="staff" data-staff hidden>
  <p class="notice" id="notice" role="status" hidden></p>
  <div class="panel">
    <h2>员工名单 Staff list</h2>
    <p>新 PIN 或停用会让此人在所有平板上立即退出登录。A new PIN or a deactivation signs the person out on every tablet at once.
      桌码泄露？Table codes leaked? <a href="/tables/qr">桌码打印 Table QR codes</a></p>
    <table><thead><tr><th>姓名 Name</th><th>角色 Role</th><th>状态 Status</th><th></th></tr></thead><tbody id="list"></tbody></table>
  </div>
  <form class="panel" id="add" data-add>
    <h2>添加员工 Add a staff member</h2>
    <div class="fields">
      <label>姓名 Name <input name="name" maxlength="60" required autocomplete="off"></label>
      <label>角色 Role <select name="role">${Object.entries(ROLE_LABELS)
        .map(([role, label]) => `<option value="${role}">${label}</option>`)
        .join('')}</select></label>
      <label>PIN (4–8 位数字 digits) <input name="pin" type="password" inputmode="numeric" pattern="[0-9]{4,8}" autocomplete="new-password" required></label>
      <button type="submit" class="btn btn--primary">添加 Add</button>
    </div>
  </form>
</section>`;

const SCRIPT = `
(function () {
  'use strict';
  ${managerAuthScript({ key: 'staff', deviceName: '员工管理 Staff page', main: 'staff', managerOnly: MANAGER_ONLY })}
  var ROLES = ${scriptJson(ROLE_LABELS)};
  var me = null;

  function notice(text, bad) {
    $('notice').textContent = text || '';
    $('notice').className = 'notice' + (bad ? ' bad' : '');
    $('notice').hidden = !text;
  }
  function problem(r) { return hubMessage(r) + (r.status ? '' : ' — 请检查网络后重试 check the network and try again'); }
  function button(text, cls, onClick) {
    var b = el('button', 'btn' + (cls ? ' ' + cls : ''), text);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }
  function staffPath(id) { return '/api/v1/staff/' + encodeURIComponent(id); }

  /**
   * What a row's button opens (the PIN form, the deactivation question) goes in the row's one slot, in place of
   * whatever was open there: clicks repeated on a slow tablet stacked forms, each sending on its own.
   */
  function openIn(slot, kind, build) {
    if (slot.getAttribute('data-open') === kind) return;
    slot.textContent = '';
    slot.setAttribute('data-open', kind);
    build();
  }
  function closeSlot(slot) { slot.textContent = ''; slot.removeAttribute('data-open'); }

  function pinForm(m, slot, msg) {
    openIn(slot, 'pin', function () { buildPinForm(m, slot, msg); });
  }
  function buildPinForm(m, slot, msg) {
    var form = el('form', 'inline');
    var input = el('input');
    input.type = 'password'; input.inputMode = 'numeric'; input.autocomplete = 'new-password';
    input.pattern = '[0-9]{4,8}'; input.required = true; input.placeholder = '新 PIN New PIN';
    form.appendChild(input);
    form.appendChild(el('button', 'btn btn--primary', '保存 Save'));
    form.appendChild(button('取消 Cancel', null, function () { closeSlot(slot); }));
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var pin = input.value;
      input.value = ''; // a PIN never stays on the screen
      var r = await mutate('pin:' + m.id, 'POST', staffPath(m.id) + '/pin', { pin: pin });
      if (signedOut(r)) return;
      if (r.status !== 200) { msg.className = 'msg bad'; msg.textContent = problem(r); return; }
      closeSlot(slot);
      msg.textContent = '';
      notice(m.name + '：PIN 已更改，' + r.body.sessionsEnded + ' 个登录已结束。PIN changed; ' + r.body.sessionsEnded + ' sign-in(s) ended.');
    });
    slot.appendChild(form);
    input.focus();
  }

  function confirmDeactivate(m, slot, msg) {
    openIn(slot, 'deactivate', function () { buildConfirmDeactivate(m, slot, msg); });
  }
  function buildConfirmDeactivate(m, slot, msg) {
    var box = el('div', 'inline');
    box.appendChild(el('span', null, '停用 ' + m.name + '？此人将立即退出登录。Deactivate ' + m.name + '? They are signed out at once.'));
    box.appendChild(button('确认停用 Deactivate', 'btn--danger', async function () {
      var r = await mutate('active:' + m.id, 'PATCH', staffPath(m.id), { active: false });
      if (signedOut(r)) return;
      if (r.status !== 200) { msg.className = 'msg bad'; msg.textContent = problem(r); return; }
      notice(m.name + ' 已停用 is deactivated (' + r.body.sessionsEnded + ' 个登录已结束 sign-in(s) ended).');
      await refresh();
    }));
    box.appendChild(button('取消 Cancel', null, function () { closeSlot(slot); }));
    slot.appendChild(box);
  }

  function render(staff) {
    var list = $('list');
    list.textContent = '';
    staff.forEach(function (m) {
      var row = el('tr', m.active ? null : 'off');
      row.setAttribute('data-staff-id', m.id);
      row.appendChild(el('td', null, m.name));
      row.appendChild(el('td', null, ROLES[m.role] || m.role));
      row.appendChild(el('td', null, m.active ? '在职 Active' : '已停用 Deactivated'));
      var cell = el('td');
      var tools = el('div', 'tools');
      var msg = el('p', 'msg');
      var slot = el('div');
      tools.appendChild(button('改 PIN Change PIN', null, function () { msg.textContent = ''; pinForm(m, slot, msg); }));
      if (m.active && !(me && me.id === m.id)) tools.appendChild(button('停用 Deactivate', 'btn--danger', function () { msg.textContent = ''; confirmDeactivate(m, slot, msg); }));
      if (!m.active) {
        tools.appendChild(button('启用 Re-activate', null, async function () {
          var r = await mutate('active:' + m.id, 'PATCH', staffPath(m.id), { active: true });
          if (signedOut(r)) return;
          if (r.status !== 200) {
            msg.className = 'msg bad';
            msg.textContent = problem(r);
            // their PIN was given to someone else meanwhile: the way on is a new PIN, so the form is opened
            if (r.body && r.body.error && r.body.error.details && r.body.error.details.reason === 'pin-in-use') pinForm(m, slot, msg);
            return;
          }
          notice(m.name + ' 已启用 is active again.');
          await refresh();
        }));
      }
      cell.appendChild(tools);
      cell.appendChild(slot);
      cell.appendChild(msg);
      row.appendChild(cell);
      list.appendChild(row);
    });
  }

  async function refresh() {
    var staff = load(sessionStorage, STAFF);
    var r = await api('GET', '/api/v1/staff', staff && staff.token);
    if (r.status === 200) { render(r.body.staff); return true; }
    if (signedOut(r)) return false;
    if (r.status === 403) { void signOut(); show('pin'); error(MANAGER_ONLY[0] + ' ' + MANAGER_ONLY[1] + ': ' + hubMessage(r)); return false; }
    notice('无法读取员工名单 Could not read the staff list: ' + problem(r), true);
    return false;
  }

  $('add').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var f = new FormData(ev.target);
    var body = { name: String(f.get('name') || '').trim(), role: String(f.get('role')), pin: String(f.get('pin') || '') };
    ev.target.elements.pin.value = ''; // a PIN never stays on the screen
    var r = await mutate('add', 'POST', '/api/v1/staff', body);
    if (signedOut(r)) return;
    if (r.status !== 201) return notice('未能添加 Not added: ' + problem(r), true);
    ev.target.reset();
    notice(r.body.staff.name + ' 已添加，可用其 PIN 登录。was added and can sign in with their PIN.');
    await refresh();
  });

  async function start() {
    var staff = signedInManager();
    if (!staff) return;
    me = staff.staff;
    show('staff');
    error('');
    await refresh();
  }
  start();
})();
`;

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>员工 Staff · Brigade</title>
<style>${CSS}</style>
</head>
<body>
${PAGE_BODY}
<script>${SCRIPT}</script>
</body>
</html>`;

/** The page runs its one inline script and style and nothing else inline (hub/http/security-headers.ts). */
const CSP = pageCsp({ scripts: [SCRIPT], styles: [CSS] });
