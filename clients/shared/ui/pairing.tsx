import { useState } from 'preact/hooks';
import type { DeviceKind, PairDevice, Role } from '../../../hub/protocol/index.ts';
import { HubError, HubUnreachableError, type HubClient, type PairResponse } from '../hub-client.ts';
import { newId, newIdempotencyKey } from '../ids.ts';
import { useTranslate, language, type Translate } from '../i18n.ts';
import { sharedMessages, type SharedKey } from '../messages.ts';
import type { Session } from '../session.ts';

/** What a refused pairing or sign-in says, in the screen's language (the hub's own messages are English). */
export function errorText(err: unknown, t: Translate<SharedKey>, invalid: 'pair.invalid' | 'pin.invalid'): string {
  if (err instanceof HubUnreachableError) return t('pair.unreachable');
  if (err instanceof HubError) {
    if (err.status === 429) return t('pair.tooMany', { n: (err.details as { retryAfterS?: number } | undefined)?.retryAfterS ?? 30 });
    // a sign-in or a pairing writes a session: refused while the disk is full, or the hub too busy to take it
    if (err.status === 507) return t('common.diskFull');
    if (err.status === 503) return t('common.busy');
    if (err.code === 'pairing_code_invalid' || err.code === 'pin_invalid' || err.status === 400) return t(invalid);
    return t('common.error', { message: err.message });
  }
  return t('common.error', { message: String(err) });
}

/**
 * Pairs, with one Idempotency-Key per attempt at the same code and name. When the answer was lost (a Wi-Fi
 * drop, a timeout) the hub may have paired the device already: tapping Pair again then gets that device back
 * instead of pairing a second one, which would also use up one more of the code's few devices.
 */
export function pairDevice(hub: HubClient): (body: PairDevice) => Promise<PairResponse> {
  let attempt: { of: string; key: string } | null = null;
  return async (body) => {
    const of = JSON.stringify([body.code, body.name, body.kind]);
    if (attempt?.of !== of) attempt = { of, key: newIdempotencyKey() };
    try {
      const res = await hub.mutate<PairResponse>('POST', '/api/v1/devices/pair', body, { as: 'none', attempts: 1, key: attempt.key });
      attempt = null;
      return res;
    } catch (err) {
      // the hub answered, and did not pair: the next tap is a new attempt. No answer, busy or "wait": the same one.
      const outcomeUnknown = err instanceof HubUnreachableError || (err instanceof HubError && (err.status === 429 || err.status >= 500));
      if (!outcomeUnknown) attempt = null;
      throw err;
    }
  };
}

export function LanguageToggle() {
  const { t, lang } = useTranslate(sharedMessages);
  return (
    <button type="button" class="btn btn--ghost lang-toggle" onClick={() => language.set(lang === 'en' ? 'zh-CN' : 'en')}>
      {t('common.language')}
    </button>
  );
}

/** First visit: the hub's pairing code turns this browser into a known device. */
export function PairScreen({ hub, session, kind, defaultName }: { hub: HubClient; session: Session; kind: DeviceKind; defaultName: string }) {
  const { t } = useTranslate(sharedMessages);
  const [code, setCode] = useState('');
  const [name, setName] = useState(() => `${defaultName}-${newId().slice(-4)}`);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [pair] = useState(() => pairDevice(hub));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return; // Enter pressed again while the first tap is on its way
    setBusy(true);
    setError('');
    try {
      const res = await pair({ code: code.trim(), name: name.trim() || defaultName, kind });
      // with the store of the hub that paired it: the outbox sends no change made here to another store
      await session.paired(res, kind, hub);
    } catch (err) {
      setError(errorText(err, t, 'pair.invalid'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="gate">
      <form class="gate__card" onSubmit={submit}>
        <div class="gate__top">
          <h1>{t('pair.title')}</h1>
          <LanguageToggle />
        </div>
        <p class="gate__help">{t('pair.help')}</p>
        <label class="field">
          <span>{t('pair.code')}</span>
          <input
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
            autoFocus
            required
          />
        </label>
        <label class="field">
          <span>{t('pair.name')}</span>
          <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={60} />
        </label>
        {error && (
          <p class="gate__error" role="alert">
            {error}
          </p>
        )}
        <button class="btn btn--primary btn--big" type="submit" disabled={busy || code.trim().length < 4}>
          {t('pair.submit')}
        </button>
      </form>
    </main>
  );
}

/**
 * Staff PIN on a paired device. Only the given roles may go on (a waiter's PIN does not open the KDS): they
 * are sent with the PIN and the hub refuses anyone else without making a session.
 */
export function PinScreen({ hub, session, roles }: { hub: HubClient; session: Session; roles: readonly Role[] }) {
  const { t } = useTranslate(sharedMessages);
  const [pin, setPin] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (value: string) => {
    if (value.length < 4 || busy) return;
    setBusy(true);
    setError('');
    try {
      session.signedIn(await hub.signIn(value, roles), hub.serverOffsetMs);
    } catch (err) {
      const refused = err instanceof HubError && err.code === 'forbidden' ? (err.details as { name?: string } | undefined)?.name : undefined;
      setError(refused !== undefined ? t('pin.role', { name: refused }) : errorText(err, t, 'pin.invalid'));
      setPin('');
    } finally {
      setBusy(false);
    }
  };
  const press = (key: string) => {
    setError('');
    if (key === 'back') setPin((p) => p.slice(0, -1));
    else if (key === 'clear') setPin('');
    else if (key === 'ok') void submit(pin);
    else setPin((p) => (p.length < 8 ? p + key : p));
  };
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'ok'];
  return (
    <main class="gate">
      <form
        class="gate__card gate__card--pin"
        onSubmit={(e) => {
          e.preventDefault();
          void submit(pin);
        }}
      >
        <div class="gate__top">
          <h1>{t('pin.title')}</h1>
          <LanguageToggle />
        </div>
        <p class="gate__help">{t('pin.help')}</p>
        <input
          class="pin__input"
          name="pin"
          type="password"
          inputMode="numeric"
          autoComplete="off"
          value={pin}
          aria-label={t('pin.help')}
          onInput={(e) => setPin(e.currentTarget.value.replace(/\D/g, '').slice(0, 8))}
          autoFocus
        />
        {error && (
          <p class="gate__error" role="alert">
            {error}
          </p>
        )}
        <div class="pin__pad">
          {keys.map((k) => (
            <button
              type="button"
              key={k}
              class={`pin__key${k === 'ok' ? ' pin__key--ok' : ''}`}
              disabled={busy}
              onClick={() => press(k)}
            >
              {k === 'clear' ? t('pin.clear') : k === 'ok' ? t('pin.enter') : k}
            </button>
          ))}
        </div>
      </form>
    </main>
  );
}
