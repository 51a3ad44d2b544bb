/**
 * The new-ticket chime, synthesised with WebAudio (no audio file to ship). Browsers allow sound only after
 * a user gesture, so the app calls `unlock()` on the first tap.
 */
import { Store } from '../shared/store.ts';

let ctx: AudioContext | null = null;

/**
 * Whether a chime would sound now. `locked` after a (re)load until someone taps the screen, and while the
 * browser holds the sound (suspended or, on an iPad, "interrupted"): the screen says so rather than "Sound
 * on" while new tickets arrive in silence. `none`: a device without WebAudio (tickets still flash).
 */
export type AudioState = 'locked' | 'running' | 'none';
export const audio = new Store<AudioState>(typeof AudioContext === 'undefined' ? 'none' : 'locked');

export function unlockAudio(): void {
  try {
    if (!ctx) {
      ctx = new AudioContext();
      const c = ctx;
      c.onstatechange = () => audio.set(c.state === 'running' ? 'running' : 'locked');
    }
    if (ctx.state !== 'running') void ctx.resume().catch(() => undefined);
    audio.set(ctx.state === 'running' ? 'running' : 'locked');
  } catch {
    ctx = null; // no audio on this device: tickets still flash
    audio.set('none');
  }
}

export function chime(): void {
  if (!ctx) return;
  if (ctx.state === 'running') return play(ctx);
  // a screen left idle (display asleep, page in the background, another app took the sound): the browser
  // suspended the context the first tap started, and it stayed so until the next tap, every new ticket silent
  // meanwhile. A page tapped once may resume it by itself.
  const c = ctx;
  c.resume().then(
    () => c.state === 'running' && play(c),
    () => undefined,
  );
}

function play(c: AudioContext): void {
  const start = c.currentTime;
  for (const [i, freq] of [880, 1320].entries()) {
    const osc = c.createOscillator();
    const gain = c.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    const t = start + i * 0.16;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.4, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.14);
    osc.connect(gain).connect(c.destination);
    osc.start(t);
    osc.stop(t + 0.15);
  }
}
