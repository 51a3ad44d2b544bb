// The public gate's thread starts here: register tsx's loader (the hub runs from TypeScript sources), then
// load the gate. A worker thread does not inherit the loader `node --import tsx` registered in the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./gate-worker.ts');
