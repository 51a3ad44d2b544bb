import { render } from 'preact';
import { enableOffline } from '../shared/sw-register.ts';
import '../shared/ui/base.css';
import './kiosk.css';
import { App } from './app.tsx';
import { KioskApp } from './kiosk-app.ts';

const app = new KioskApp({ search: location.search });
// any touch, click or key keeps the kiosk from starting over
for (const type of ['pointerdown', 'keydown', 'input'] as const) addEventListener(type, () => app.idle.touch(), { passive: true, capture: true });
// the browser knows before any backoff does that the network is back
addEventListener('online', () => app.wake());
document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && app.wake());
// tests reach the controller (outbox state)
(window as unknown as { __brigadeKiosk: KioskApp }).__brigadeKiosk = app;
render(<App app={app} />, document.getElementById('app')!);
// over HTTPS: reloads work while the hub is briefly unreachable (a no-op on plain http://)
enableOffline('kiosk');
