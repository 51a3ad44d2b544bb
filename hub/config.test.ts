import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
};

describe('loadConfig', () => {
  it('takes plain decimal integers', () => {
    const c = loadConfig({ HUB_PORT: '8090', HUB_HTTPS_PORT: '0', HUB_PUBLIC_PORT: 'off', HUB_WRITE_BATCH: '32' });
    expect(c).toMatchObject({ HUB_PORT: 8090, HUB_HTTPS_PORT: 0, HUB_PUBLIC_PORT: 'off', HUB_WRITE_BATCH: 32 });
  });

  it.each(['', ' ', '\t', '  \n'])('counts %j as unset, like no value at all (the default, not port 0)', (v) => {
    const c = loadConfig({ HUB_PORT: v, HUB_HTTPS_PORT: v, HUB_PUBLIC_PORT: v, HUB_WRITE_BATCH: v, HUB_MDNS: v });
    expect(c).toMatchObject({ HUB_PORT: 8080, HUB_HTTPS_PORT: 8443, HUB_PUBLIC_PORT: 8081, HUB_WRITE_BATCH: 64, HUB_MDNS: 'on' });
  });

  it.each([
    ['HUB_PORT', '0x1f90'],
    ['HUB_PORT', '8e3'],
    ['HUB_PORT', '8080.0'],
    ['HUB_PORT', '-1'],
    ['HUB_PORT', '+80'],
    ['HUB_PORT', 'eighty'],
    ['HUB_HTTPS_PORT', '0x20fb'],
    ['HUB_PUBLIC_PORT', '8e3'],
    ['HUB_WRITE_BATCH', '1e2'],
    ['HUB_DISK_RESERVE_MB', '0b1'],
  ])('refuses %s=%j with one line naming it', (name, value) => {
    const message = refusal({ [name]: value });
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(`${name}=${JSON.stringify(value)}`);
  });

  it('reads a number with spaces around it (an env file written by hand) as that number', () => {
    expect(loadConfig({ HUB_PORT: ' 80', HUB_PUBLIC_PORT: '8081 ' })).toMatchObject({ HUB_PORT: 80, HUB_PUBLIC_PORT: 8081 });
    expect(loadConfig({ HUB_PUBLIC_PORT: 'off ', HUB_HTTPS_PORT: ' off' })).toMatchObject({ HUB_PUBLIC_PORT: 'off', HUB_HTTPS_PORT: 'off' });
  });

  it('takes a print retry base above its cap (the cap wins), as a store configured before may have', () => {
    expect(loadConfig({ HUB_PRINT_RETRY_BASE_MS: '500', HUB_PRINT_RETRY_MAX_MS: '300' })).toMatchObject({ HUB_PRINT_RETRY_BASE_MS: 500, HUB_PRINT_RETRY_MAX_MS: 300 });
  });
});
