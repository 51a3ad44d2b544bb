import { render } from 'preact';
import { enableOffline } from '../shared/sw-register.ts';
import '../shared/ui/base.css';
import './kds.css';
import { App } from './app.tsx';
import { KdsApp } from './kds-app.ts';
import { unlockAudio } from './sound.ts';

const app = new KdsApp({ search: location.search });
app.clock.installTestHooks(location.search, window);
app.start();
// browsers allow sound after a user gesture: any tap arms the chime. On the lift, not the press: arming it
// changes "Tap for sound" to "Sound on", and done on the press that moved the bar's buttons under the finger
// (the tap on Recall then landed beside it). A touch's lift is what grants the gesture anyway (a press does
// only for a mouse); a key too, for a screen driven from a keyboard
addEventListener('pointerup', unlockAudio, { passive: true });
addEventListener('keydown', unlockAudio, { passive: true });
// the browser knows before our backoff does that the network is back
addEventListener('online', () => app.reconnectNow());
render(<App app={app} />, document.getElementById('app')!);
// over HTTPS: reloads work while the hub is briefly unreachable (a no-op on plain http://)
enableOffline('kds');
