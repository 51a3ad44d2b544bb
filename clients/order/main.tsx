import { render } from 'preact';
import '../shared/ui/base.css';
import './order.css';
import { App } from './app.tsx';
import { QrApp, tokenFromLocation } from './order-app.ts';

const token = tokenFromLocation(location);
const root = document.getElementById('app')!;
const app = new QrApp(token ?? '');
if (!token) app.state.set({ ...app.state.get(), phase: { name: 'invalid', message: 'no table token in the address' } });
else void app.start();
// the browser knows before any backoff does that the network is back
addEventListener('online', () => app.wake());
document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && app.wake());
// tests reach the controller (outbox state, forcing a retry)
(window as unknown as { __brigadeQr: QrApp }).__brigadeQr = app;
render(<App app={app} />, root);
