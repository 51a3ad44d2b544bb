import { formatClock } from '../format.ts';
import { useTranslate, type Translate } from '../i18n.ts';
import { printerMessages } from '../messages.ts';
import { downReasonKey, failedTicketKey, withoutPrinterKey, type FailedTicket, type PrinterAlertsView, type PrinterView } from '../printer-health.ts';
import './printer-alerts.css';

/**
 * The printer alert strip under an app's top bar: a red line per down printer (paper out, cover open,
 * offline, moved to its backup) and per ticket that could not print, named for what it was (kitchen ticket,
 * receipt, pickup slip). The strip is always there at one line's height (several alerts scroll sideways), so
 * nothing on the screen moves when an alert comes or goes. `printerName` resolves a backup printer id to its name. `onReprint` (the waiter tablet) adds a
 * reprint button to failed tickets; `onDismiss` a dismiss button. A station no printer prints gets one line
 * with how many of its tickets wait: they print by themselves once a printer is given the station, so there
 * is nothing to reprint or dismiss (`stationName` names the station; its id otherwise).
 */
export function PrinterAlerts(props: PrinterAlertsProps) {
  const { t } = useTranslate(printerMessages);
  return <PrinterAlertStrip {...props} t={t} />;
}

export interface PrinterAlertsProps {
  alerts: PrinterAlertsView;
  printerName: (id: string) => string;
  stationName?: (id: string) => string;
  onReprint?: (ticket: FailedTicket) => void;
  onDismiss?: (ticket: FailedTicket) => void;
}

/** The strip in the given language (a plain function of its props: the tests read it without a DOM). */
export function PrinterAlertStrip({
  alerts,
  printerName,
  stationName = (id) => id,
  onReprint,
  onDismiss,
  t,
}: PrinterAlertsProps & { t: Translate<keyof (typeof printerMessages)['en']> }) {
  const empty = alerts.down.length === 0 && alerts.failed.length === 0 && alerts.withoutPrinter.length === 0;
  const downText = (p: PrinterView) => t(downReasonKey(p), { name: p.name, backup: p.failedOverTo ? printerName(p.failedOverTo) : '' });
  return (
    <div class={`palerts${empty ? ' palerts--empty' : ''}`} role="alert" aria-live="assertive" aria-label={t('printer.label')} data-printer-alerts={empty ? 'none' : 'some'}>
      {alerts.down.map((p) => (
        <span class="palert palert--printer" key={`p-${p.id}`} data-printer-id={p.id} data-printer-state={p.state} data-reason={p.reason ?? ''}>
          <span class="palert__icon" aria-hidden="true">
            ⎙
          </span>
          <b>{downText(p)}</b>
          {p.since !== null && <span class="palert__detail">{t('printer.since', { time: formatClock(p.since) })}</span>}
          {p.waiting.length > 0 && (
            <span class="palert__detail" data-waiting={p.waiting.length}>
              {t('printer.waiting', { orders: p.waiting.map((w) => (w.orderNumber ? `#${w.orderNumber}` : '…')).join(' ') })}
            </span>
          )}
        </span>
      ))}
      {alerts.withoutPrinter.map((s) => (
        <span class="palert palert--station" key={`s-${s.stationId}`} data-no-printer-station={s.stationId} data-waiting={s.waiting} title={t('printer.noPrinter.hint')}>
          <span class="palert__icon" aria-hidden="true">
            ⎙
          </span>
          <b>{t(withoutPrinterKey(s), { station: stationName(s.stationId), count: s.waiting })}</b>
        </span>
      ))}
      {alerts.failed.map((f) => (
        <span class="palert palert--job" key={`j-${f.jobId}`} data-failed-job={f.jobId} data-job-kind={f.kind} data-order-number={f.orderNumber ?? ''} title={f.error}>
          <b>{t(failedTicketKey(f), { number: f.orderNumber ?? '' })}</b>
          {/* a slip of no order (a day report) is printed again from where it was asked for, not reprinted here */}
          {onReprint && f.orderId !== null && (
            <button type="button" class="palert__btn" data-reprint-job={f.jobId} onClick={() => onReprint(f)}>
              {t('printer.reprint')}
            </button>
          )}
          {onDismiss && (
            <button type="button" class="palert__btn" data-dismiss-job={f.jobId} onClick={() => onDismiss(f)}>
              {t('printer.dismiss')}
            </button>
          )}
        </span>
      ))}
    </div>
  );
}
