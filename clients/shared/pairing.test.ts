import { describe, expect, it } from 'vitest';
import { HubClient, HubError, HubUnreachableError } from './hub-client.ts';
import { translator } from './i18n.ts';
import { sharedMessages } from './messages.ts';
import { errorText, pairDevice } from './ui/pairing.tsx';

/**
 * A hub behind a flaky link: it pairs (and remembers the answer under the Idempotency-Key, as the real hub
 * does), but the first answer is lost on the way back.
 */
function flakyHub() {
  const keys: (string | null)[] = [];
  const answers = new Map<string, unknown>();
  let paired = 0;
  let dropNext = true;
  const fetchFn = (async (_url: string, init: RequestInit) => {
    const key = new Headers(init.headers).get('idempotency-key');
    keys.push(key);
    const body = JSON.parse(String(init.body)) as { code: string; name: string; kind: string };
    if (body.code !== '123456') return new Response(JSON.stringify({ error: { code: 'pairing_code_invalid', message: 'wrong' } }), { status: 403 });
    let answer = key ? answers.get(key) : undefined;
    if (!answer) {
      paired++;
      answer = { deviceToken: `dev_${paired}`, device: { id: `d${paired}`, name: body.name, kind: body.kind, pairedAt: 0 } };
      if (key) answers.set(key, answer);
    }
    if (dropNext) {
      dropNext = false;
      throw new TypeError('fetch failed'); // the Wi-Fi dropped after the hub committed
    }
    return new Response(JSON.stringify(answer), { status: 201 });
  }) as typeof fetch;
  const hub = new HubClient({ baseUrl: 'http://hub', credentials: { device: () => null, staff: () => null }, fetch: fetchFn, timeoutMs: 1000 });
  return { hub, keys, paired: () => paired };
}

describe('pairing from the pair screen', () => {
  it('a retry after a lost answer gets the same device back instead of pairing a second one (and using the code up)', async () => {
    const f = flakyHub();
    const pair = pairDevice(f.hub);
    const input = { code: '123456', name: 'Tablet-1', kind: 'pos' as const };
    await expect(pair(input)).rejects.toBeInstanceOf(HubUnreachableError);
    const res = await pair(input);
    expect(res.deviceToken).toBe('dev_1');
    expect(f.paired()).toBe(1);
    expect(f.keys[0]).toBeTruthy();
    expect(f.keys[1]).toBe(f.keys[0]);
  });

  it('a corrected code or name is a new attempt with a new key; so is the next pairing after a success', async () => {
    const f = flakyHub();
    const pair = pairDevice(f.hub);
    await expect(pair({ code: '123456', name: 'A', kind: 'pos' })).rejects.toBeInstanceOf(HubUnreachableError);
    await expect(pair({ code: '123465', name: 'A', kind: 'pos' })).rejects.toMatchObject({ code: 'pairing_code_invalid' });
    expect(f.keys[1]).not.toBe(f.keys[0]);
    await pair({ code: '123456', name: 'B', kind: 'pos' });
    await pair({ code: '123456', name: 'B', kind: 'pos' });
    expect(new Set(f.keys).size).toBe(4);
  });
});

describe('what a refused sign-in says', () => {
  it.each(['zh-CN', 'en'] as const)('names a full disk and a busy hub in %s, not with the hub’s English', (lang) => {
    const t = translator(sharedMessages, lang);
    const full = errorText(new HubError(507, 'storage_full', 'the hub has no room to store this change'), t, 'pin.invalid');
    const busy = errorText(new HubError(503, 'overloaded', 'the hub is overloaded; retry'), t, 'pin.invalid');
    expect(full).toBe(sharedMessages[lang]['common.diskFull']);
    expect(busy).toBe(sharedMessages[lang]['common.busy']);
  });
});
