/**
 * Paper for a printer that cannot print Chinese at all (a single-byte code page: cp437). The hub's labels are
 * bilingual ("ADD-ON 加菜", "BILL / 账单", "Cash 现金"): there their Chinese half printed as '?' on every ticket
 * ("?? TABLE"). They print in English only, and a dish in its English name when the menu gives one.
 *
 * Only the hub's own words are taken out (LABEL_WORDS, or the Chinese half of an "English / 中文" pair): a
 * note, a table, a person's or a dish's name that is Chinese only still prints as the printer can ('?'), so
 * the cook sees that something is there.
 */
import { isDoubleByteEncoding, type PrinterEncoding } from './encoding.ts';

/** Han characters with the CJK and fullwidth punctuation that goes with them ('，', '：'). */
const HAN_RUN = /[\p{Script=Han}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+/gu;
const HAS_HAN = /[\p{Script=Han}]/u;
const HAS_LATIN = /[A-Za-z]/;

/**
 * The Chinese halves of the labels hub/print and this renderer print (tickets, receipts, pickup slips, the day
 * report), each as one run of HAN_RUN. A label not listed prints as before ('?'), not wrong: the test
 * hub/print/english-labels.test.ts renders every kind of paper on cp437 and finds no '?'.
 */
const LABEL_WORDS: ReadonlySet<string> = new Set(
  (
    // tickets and receipts
    '加菜 退菜 取餐 可能重复 重打 转单 加急 测试页 点单 自助 扫码 预订 备注 已并入 服务员 小计 优惠 合计 找零 现金 刷卡 其他 ' +
    '退款 待付 收据 账单 已付款 预计 请到前台付款 请到前台或向服务员付款 请留意叫号 谢谢光临 中文 ' +
    // the day report
    '日结单 营业日 打印 订单 订单数 整单作废 首单 末单 销售 菜品合计 折扣 净销售额 作废菜品 收款 收款合计 退款合计 其中其他营业日 ' +
    '钱箱应有现金 现金收款减现金退款，不含备用金 备用金 未登记 登记备用金后才有钱箱合计 钱箱合计 备用金加应有现金，按此清点 ' +
    '未入账刷卡 无 终端已扣款 终端上仍有 已计入刷卡终端，未计入收款 刷卡终端合计 刷卡收款减刷卡退款，加终端上仍有的未入账刷卡，按此核对刷卡终端 ' +
    '未结订单 全部已结清 待收合计 清点人 未处理 已处理 已在终端退款 收作该单付款 已退或已收 往日未入账 其中未处理'
  ).split(' '),
);

/** Whether the printer prints Chinese at all (every double-byte code page does; cp437 does not). */
export const printsChinese = (encoding: PrinterEncoding): boolean => isDoubleByteEncoding(encoding);

/** Spaces left by what was taken out, and separators left dangling at either end. */
function tidy(text: string): string {
  return text
    .replace(/ {2,}/g, ' ')
    .replace(/ ([:,)])/g, '$1')
    .replace(/\( /g, '(')
    .replace(/^[\s/-]+|[\s/-]+$/g, '');
}

/**
 * A label of the hub's as this printer should show it: unchanged on a Chinese printer; else the English half of
 * an "English / 中文" pair, and the listed Chinese words taken out. A line of listed words only: '' (left out).
 * Nothing left to read but unlisted Chinese (a name): the label unchanged.
 */
export function englishLabel(text: string, encoding: PrinterEncoding): string {
  if (printsChinese(encoding) || !HAS_HAN.test(text)) return text;
  const parts = text.split(' / ');
  const english = parts.filter((p) => !HAS_HAN.test(p));
  if (parts.length > 1 && english.length > 0 && english.length < parts.length) return english.join(' / ');
  let unlisted = false;
  const out = tidy(
    text.replace(HAN_RUN, (run) => {
      if (LABEL_WORDS.has(run)) return '';
      unlisted = true;
      return run;
    }),
  );
  // a line of the hub's that is Chinese only (a receipt's "请到前台或向服务员付款" under its English line) goes
  if (!unlisted && !/[\p{L}\p{N}]/u.test(out)) return '';
  return /[\p{L}\p{N}]/u.test(out) ? out : text;
}

/**
 * A name the menu gives in both languages in one string ("特辣 Extra hot", a station's "热厨 Hot kitchen"):
 * its English on a printer without Chinese. A name with no Latin letter is left as it is.
 */
export function englishOfPair(text: string, encoding: PrinterEncoding): string {
  if (printsChinese(encoding) || !HAS_HAN.test(text)) return text;
  const out = tidy(text.replace(HAN_RUN, ''));
  return HAS_LATIN.test(out) ? out : text;
}

/** A dish: its English name where the printer cannot print its Chinese one and the menu has one. */
export function dishName(nameZh: string, nameEn: string | undefined, encoding: PrinterEncoding): { main: string; second: string } {
  if (!printsChinese(encoding) && HAS_HAN.test(nameZh) && nameEn) return { main: nameEn, second: '' };
  return { main: nameZh, second: nameEn ?? '' };
}
