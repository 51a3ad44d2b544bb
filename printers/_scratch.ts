import { renderTicket, previewTicket, type TicketDocument } from './render/ticket.ts';
import { decodeEscPos, ticketText } from './sim/escpos-decoder.ts';
const doc: TicketDocument = { kind: 'void', orderNumber: '42', tableLabel: 'T12 大厅', time: { epochMs: Date.UTC(2024,4,1,10,32), timeZone: 'Asia/Shanghai' },
  server: '李明', channel: 'Dine-in 堂食', station: 'Hot 热菜', voidReason: 'Customer changed mind',
  banners: [{ type: 'reprint', count: 2 }, {type:'possible-duplicate'}],
  lines: [{ qty: 2, nameZh: '宫保鸡丁', nameEn: 'Kung Pao Chicken', options: ['少辣 less spicy'], note: '花生过敏 peanut allergy!', course: '热菜 Mains' },
          { qty: 12, nameZh: '扬州炒饭加一个很长很长的名字需要换行的菜名', nameEn: 'Yangzhou fried rice with a very long english name that wraps', options: [] }] };
for (const w of [32, 48] as const) {
  const p = { encoding: 'gb18030', widthChars: w, buzzer: 'epson' } as const;
  const prev = previewTicket(doc, p);
  console.log(prev);
  const d = decodeEscPos(renderTicket(doc, p), p);
  console.log(ticketText(d.tickets[0]!) === prev, d.tickets.length, Math.max(...d.tickets[0]!.map(l => l.columns)));
}
const r: TicketDocument = { kind: 'receipt', orderNumber: 'A017', time: { epochMs: 0, timeZone: 'UTC' }, headerLines: ['金龙酒家 Golden Dragon'], lines: [],
  receipt: { items: [{qty:2,nameZh:'宫保鸡丁',nameEn:'Kung Pao',amountMinor:5600},{qty:1,nameZh:'可乐',amountMinor:800}], subtotalMinor: 6400, discountMinor: 400, totalMinor: 6000, tenders:[{label:'Cash 现金', amountMinor: 10000}], changeMinor: 4000, qrText: 'https://x.example/r/A017' }, footerLines: ['谢谢 Thank you'] };
const p = { encoding: 'gb18030', widthChars: 32, buzzer: 'esc-b' } as const;
console.log(previewTicket(r, p));
const d = decodeEscPos(renderTicket(r, p), p);
console.log(ticketText(d.tickets[0]!) === previewTicket(r, p), d.tickets[0]!.map(l=>l.columns).join(','));
