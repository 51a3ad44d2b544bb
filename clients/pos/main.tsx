import { render } from 'preact';
import { enableOffline } from '../shared/sw-register.ts';
import '../shared/ui/base.css';
import './pos.css';
import { App } from './app.tsx';
import { PosApp } from './pos-app.ts';

const app = new PosApp({ search: location.search });
// any touch, click or key keeps the tablet from locking
for (const type of ['pointerdown', 'keydown', 'input'] as const) addEventListener(type, () => app.idle.touch(), { passive: true, capture: true });
addEventListener('online', () => app.wake());
document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && app.wake());
// tests reach the controller (outbox state)
(window as unknown as { __brigadePos: PosApp }).__brigadePos = app;
render(<App app={app} />, document.getElementById('app')!);
// over HTTPS: reloads work while the hub is briefly unreachable (a no-op on plain http://)
enableOffline('pos');
