import type { Services } from '../services.ts';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** What a person sees opening the hub's address: that it is up, and where to go. */
export function landingPage(s: Services): string {
  const links = [
    ['/kds/', '厨房显示 Kitchen display (KDS)'],
    ['/pos/', '点餐平板 Waiter tablet'],
    ['/kiosk/', '自助点餐 Self-order kiosk'],
    ['/printers/sim', '模拟打印机 Simulated printers (tickets printed)'],
    ['/api/v1/health', '健康状态 Health'],
    ['/api/v1/menu', '菜单 Menu (JSON)'],
    ['/api/v1/openapi.json', 'API (OpenAPI 3.1)'],
  ]
    .map(([href, label]) => `<li><a href="${href}">${label}</a></li>`)
    .join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Brigade · ${esc(s.identity.storeName)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style></head>
<body><h1>Brigade hub · ${esc(s.identity.storeName)}</h1>
<p>门店中枢运行中 · The hub is running. Store <code>${esc(s.identity.storeId)}</code>, version ${esc(s.version)}.</p>
<ul>${links}</ul>
<p>Pair a device with the code printed in the hub's console (<code>POST /api/v1/devices/pair</code>). Customers order from their
table's QR code, <code>/t/&lt;table token&gt;</code>; a manager lists the codes at <code>GET /api/v1/tables/qr-codes</code>. See the README.</p>
</body></html>`;
}
