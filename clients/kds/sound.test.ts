/**
 * The new-ticket chime with a stand-in for the browser's AudioContext: what it plays, and when the browser
 * has suspended the context since the cook's first tap (a tablet whose screen went dark, a page in the
 * background, an iPad's audio "interrupted" by a call or a video elsewhere).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A WebAudio context as far as sound.ts uses it; `started` counts the tones it played. */
class FakeAudioContext {
  static last: FakeAudioContext;
  state: 'suspended' | 'running' | 'interrupted' | 'closed' = 'suspended';
  currentTime = 0;
  started = 0;
  resumes = 0;
  onstatechange: (() => void) | null = null;
  readonly destination = {};
  constructor() {
    FakeAudioContext.last = this;
  }
  resume(): Promise<void> {
    this.resumes++;
    // the browser lets a page that has been tapped once resume by itself
    return Promise.resolve().then(() => this.become('running'));
  }
  become(state: FakeAudioContext['state']): void {
    this.state = state;
    this.onstatechange?.();
  }
  createOscillator() {
    const node = { type: '', frequency: { value: 0 }, connect: (n: unknown) => n, start: () => void this.started++, stop: () => undefined };
    return node;
  }
  createGain() {
    const gain = { setValueAtTime: () => undefined, exponentialRampToValueAtTime: () => undefined };
    return { gain, connect: (n: unknown) => n };
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('the chime', () => {
  beforeEach(() => {
    vi.resetModules();
    vi.stubGlobal('AudioContext', FakeAudioContext);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('plays two tones once the first tap unlocked the sound', async () => {
    const sound = await import('./sound.ts');
    sound.unlockAudio();
    await flush();
    sound.chime();
    expect(FakeAudioContext.last.started).toBe(2);
  });

  it.each(['suspended', 'interrupted'] as const)('still sounds for a new ticket after the browser %s the sound of a screen left idle', async (state) => {
    const sound = await import('./sound.ts');
    sound.unlockAudio();
    await flush();
    const ctx = FakeAudioContext.last;
    ctx.become(state); // the tablet's screen went dark for an hour, nobody touched it since
    sound.chime();
    await flush();
    expect(ctx.resumes).toBe(2);
    expect(ctx.started).toBe(2);
  });

  it('says whether a chime can sound: not before the first tap after a (re)load, nor while the browser holds the sound', async () => {
    const sound = await import('./sound.ts');
    expect(sound.audio.get()).toBe('locked');
    sound.unlockAudio();
    await flush();
    expect(sound.audio.get()).toBe('running');
    FakeAudioContext.last.become('suspended');
    expect(sound.audio.get()).toBe('locked');
  });

  it('does not ask for a tap on a device without WebAudio', async () => {
    vi.stubGlobal('AudioContext', undefined);
    const sound = await import('./sound.ts');
    expect(sound.audio.get()).toBe('none');
  });
});
