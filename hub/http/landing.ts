import type { Services } from '../services.ts';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export interface LandingOptions {
  /** this page was asked for over HTTPS */
  secure: boolean;
  /**
   * The host name the browser used, to build the other addresses on the same name (express's
   * `req.hostname`: an IPv6 literal comes bracketed, and an HTTP/1.0 request may have no Host at all).
   */
  host: string | undefined;
  /** the HTTPS side, when it is running */
  https?: { port: number; caFingerprint: string };
  /** the public address's port (phones and kiosks), when it is running */
  publicPort?: number;
}

/** `host` as it goes in a URL: an IPv6 literal bracketed once; none given, the hub's own name for itself. */
export function urlHost(host: string | undefined): string {
  if (!host) return 'localhost';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function publicSection(o: LandingOptions): string {
  if (o.publicPort === undefined) return '';
  const host = urlHost(o.host);
  const base = `http://${host}:${o.publicPort}`;
  return `<h2>顾客地址 · Public address</h2>
<p>顾客手机（桌码）和自助机使用 <a href="${esc(base)}/kiosk/">${esc(base)}</a>：高峰时它先拒绝过量的请求，员工和厨房不受影响；员工应用在这里被拒绝。<br>
Customers' phones (the table QR codes) and kiosks use <a href="${esc(base)}/kiosk/">${esc(base)}</a>: at the peak it refuses what the hub
cannot take before the hub sees it, so waiters and the kitchen are not slowed; staff apps are refused there. Kiosk: <a href="${esc(base)}/kiosk/">${esc(base)}/kiosk/</a>.</p>`;
}

function httpsSection(o: LandingOptions): string {
  if (!o.https) return '';
  const host = urlHost(o.host);
  const url = `https://${host}:${o.https.port}/`;
  return `<h2>HTTPS · 安全连接</h2>
<p><a href="/ca.crt" download>下载门店证书 Download the hub's certificate (CA)</a> ·
指纹 SHA-256 fingerprint <code class="fp">${esc(o.https.caFingerprint)}</code></p>
<p>请在员工平板（点餐、厨房显示、自助机）上安装此证书，然后用 <a href="${esc(url)}">${esc(url)}</a> 打开：应用在网络短暂中断时也能重新加载。
顾客手机无需安装。<br>
Install this certificate on staff tablets (waiter, kitchen display, kiosk), then open the apps at <a href="${esc(url)}">${esc(url)}</a>:
they then reload even while the hub is briefly unreachable. Customers' phones need nothing. Check that the fingerprint the
tablet shows is the one above. How: docs/https.md.</p>${o.secure ? '<p>✓ 此页面已通过 HTTPS 加载 · This page came over HTTPS.</p>' : ''}`;
}

const mb = (bytes: number) => `${Math.floor(bytes / (1 << 20)).toLocaleString('en')} MB`;

/** The disk under the store, when it needs someone: the hub's address is where a manager looks first. */
function storageSection(s: Services): string {
  const st = s.storage?.status();
  if (!st || st.state === 'ok') return '';
  const [zh, en] =
    st.state === 'low'
      ? ['磁盘空间不足', `Disk space is low: ${mb(st.freeBytes)} free. The store needs room to grow: remove old files or backups from the hub's disk.`]
      : st.state === 'critical'
        ? ['磁盘几乎已满，请立即清理', `The disk is almost full: ${mb(st.freeBytes)} left${st.reserveBytes === 0 ? ', the hub is running on its reserve' : ''}. Free space on the hub now.`]
        : ['磁盘已满：订单无法保存', "The disk is full: orders cannot be saved. Tablets and kiosks keep them and resend them; free space on the hub now."];
  const colour = st.state === 'low' ? '#fff4d6;color:#6b4a00' : '#fde8e4;color:#8a1c0a';
  return `<p role="alert" data-storage="${st.state}" style="padding:.75rem 1rem;border-radius:.4rem;background:${colour}"><strong>${zh} · ${esc(en)}</strong>
The store takes ${mb(st.storeBytes)}. Details: <a href="/api/v1/health">health</a> (<code>storage</code>).</p>`;
}

/** The store's backups: a failing one is an alert (the hub is the only copy of the store), a good one a line. */
function backupSection(s: Services): string {
  const b = s.backupStatus?.();
  if (!b) return '';
  const when = (ms: number) => new Date(ms).toLocaleString('zh-CN', { timeZone: s.config.HUB_TIMEZONE, hour12: false });
  if (b.state === 'failed') {
    return `<p role="alert" data-backup="failed" style="padding:.75rem 1rem;border-radius:.4rem;background:#fde8e4;color:#8a1c0a"><strong>备份失败 · The store's backup failed: ${esc(b.lastError ?? '')}</strong>
${b.lastAt ? `The last good backup was taken at ${esc(when(b.lastAt))}.` : 'There is no backup of this store yet.'} Details: <a href="/api/v1/health">health</a> (<code>backups</code>).</p>`;
  }
  const line =
    b.state === 'off'
      ? '备份已关闭 · Backups are off (HUB_BACKUP_DIR=off).'
      : b.lastAt
        ? `最近备份 · Last backup: ${esc(when(b.lastAt))}, in <code>${esc(b.dir ?? '')}</code>.${
            b.sameDiskAsStore ? " That is the hub's own disk: set HUB_BACKUP_DIR to a USB stick or another disk, so that a backup outlives the disk." : ''
          }`
        : `尚无备份 · No backup yet: the first is taken within a minute of the start, in <code>${esc(b.dir ?? '')}</code>.`;
  return `<p data-backup="${b.state}">${line}${b.restoredFrom ? ` 此门店数据已从 ${esc(when(b.restoredFrom.takenAt))} 的备份恢复 · Restored from the backup of ${esc(when(b.restoredFrom.takenAt))}.` : ''}</p>`;
}

/** The hub's clock gone back behind its own store: only a person can set it right, and nothing else says so. */
function clockSection(s: Services): string {
  const c = s.clockCheck?.status();
  if (!c || c.state === 'ok' || c.latestEventAt === null) return '';
  const when = (ms: number) => new Date(ms).toLocaleString('zh-CN', { timeZone: s.config.HUB_TIMEZONE, hour12: false });
  return `<p role="alert" data-clock="behind" style="padding:.75rem 1rem;border-radius:.4rem;background:#fde8e4;color:#8a1c0a"><strong>中枢时钟错误，请设置日期和时间 · The hub's clock is wrong: set its date and time.</strong>
It says ${esc(when(c.now))}, before the store's latest order or change (${esc(when(c.latestEventAt))}): a flat clock battery after a power cut?
Orders go on being taken, stamped with the wrong time and business day (their numbers start again). If the time shown here is right, the clock
was ahead earlier (the changes stamped then are in the future) and this line goes by itself at ${esc(when(c.latestEventAt))}.
Details: <a href="/api/v1/health">health</a> (<code>clock</code>).</p>`;
}

/** A damaged store file: orders may go on, but only a person can choose to put a backup back. */
function integritySection(s: Services): string {
  const i = s.integrity?.status();
  if (i?.state === 'unchecked' && i.checkError) {
    // an unreadable sector answers SQLITE_IOERR, not "corrupt": the disk itself may be going
    return `<p role="alert" data-integrity="unchecked" style="padding:.75rem 1rem;border-radius:.4rem;background:#fff4d6;color:#6b4a00"><strong>无法完整读取门店数据文件 · The hub could not read its store file through.</strong>
${esc(i.checkError)}. If that is an I/O error, the disk may be failing: make sure the backups are on another disk (HUB_BACKUP_DIR) and that the last one is recent.
Details: <a href="/api/v1/health">health</a> (<code>integrity</code>).</p>`;
  }
  if (!i || i.state !== 'damaged') return '';
  const when = (ms: number) => new Date(ms).toLocaleString('zh-CN', { timeZone: s.config.HUB_TIMEZONE, hour12: false });
  return `<p role="alert" data-integrity="damaged" style="padding:.75rem 1rem;border-radius:.4rem;background:#fde8e4;color:#8a1c0a"><strong>门店数据文件已损坏，请恢复最近的备份 · The store file is damaged: put the newest backup back.</strong>
Found ${esc(when(i.damagedSince ?? 0))} (${esc(i.foundBy ?? '')}): ${esc(i.detail ?? '')}.
Some screens and reports will fail where they read the damaged part, and the hourly backups usually fail too. Print or note the open bills,
stop the hub and run <code>npm run salvage</code> (a new store of every row the file still holds) or <code>npm run restore</code> (the newest
backup that is whole: what was taken since is lost), then <code>npm run restore -- &lt;file&gt; --yes</code> for the one chosen.
Details: <a href="/api/v1/health">health</a> (<code>integrity</code>).</p>`;
}

/**
 * The customers' address not serving: the table QR codes and the kiosks name it, so they fail while waiters
 * and the kitchen, on the staff address, notice nothing. Only configured addresses: off is a choice.
 */
function publicGateSection(s: Services): string {
  const g = s.stats.publicGate();
  if (g.state === 'failed') {
    return `<p role="alert" data-public-gate="failed" style="padding:.75rem 1rem;border-radius:.4rem;background:#fde8e4;color:#8a1c0a"><strong>顾客地址没有运行：扫桌码的手机和自助机无法点餐 · The customers' address is not serving: phones scanning the table QR codes and the kiosks cannot order.</strong>
It could not start on port ${esc(String(s.config.HUB_PUBLIC_PORT))} (another program holds the port?) or stopped and could not start again.
The reason is in the hub's log ("the public address"). Free the port or set HUB_PUBLIC_PORT, then restart the hub.
Details: <a href="/api/v1/health">health</a> (<code>publicGate</code>).</p>`;
  }
  if (g.state === 'restarting') {
    return `<p role="alert" data-public-gate="restarting" style="padding:.75rem 1rem;border-radius:.4rem;background:#fff4d6;color:#6b4a00"><strong>顾客地址正在重新启动 · The customers' address is starting again.</strong>
Its thread stopped; phones and kiosks are refused for a few seconds. If this line stays, see the hub's log.</p>`;
  }
  return '';
}

/** What a person sees opening the hub's address: that it is up, and where to go. */
export function landingPage(s: Services, o: LandingOptions = { secure: false, host: 'localhost' }): string {
  const links = [
    ['/kds/', '厨房显示 Kitchen display (KDS)'],
    ['/pos/', '点餐平板 Waiter tablet'],
    ['/kiosk/', '自助点餐 Self-order kiosk'],
    ['/printers/sim', '模拟打印机 Simulated printers (tickets printed)'],
    ['/tables/qr', '桌码打印 Table QR codes to print (manager)'],
    ['/menu/photos', '菜品照片 Dish photos (manager)'],
    ['/printers', '打印机 Kitchen printers: status and set-up (manager)'],
    ['/staff', '员工 Staff: add, new PINs, deactivate (manager)'],
    ['/api/v1/health', '健康状态 Health'],
    ['/api/v1/menu', '菜单 Menu (JSON)'],
    ['/api/v1/openapi.json', 'API (OpenAPI 3.1)'],
  ]
    .map(([href, label]) => `<li><a href="${href}">${label}</a></li>`)
    .join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Brigade · ${esc(s.identity.storeName)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}.fp{word-break:break-all}</style></head>
<body><h1>Brigade hub · ${esc(s.identity.storeName)}</h1>
<p>门店中枢运行中 · The hub is running. Store <code>${esc(s.identity.storeId)}</code>, version ${esc(s.version)}.</p>
${integritySection(s)}${clockSection(s)}
${storageSection(s)}${publicGateSection(s)}
${backupSection(s)}
<ul>${links}</ul>
<p>Pair a device with the code printed in the hub's console (<code>POST /api/v1/devices/pair</code>). Customers order from their
table's QR code, <code>/t/&lt;table token&gt;</code>; a manager lists the codes at <code>GET /api/v1/tables/qr-codes</code>. See the README.</p>
${publicSection(o)}
${httpsSection(o)}
</body></html>`;
}
