import { startSimHarness } from '../sim/sim-harness.ts';
import { registerTransportContractTests } from './transport-contract.ts';

registerTransportContractTests('TCP 9100 + simulator', () => startSimHarness());
registerTransportContractTests('TCP 9100 + simulator sending status bytes in separate segments', () =>
  startSimHarness({ splitStatusReplies: true }),
);
registerTransportContractTests('TCP 9100 + simulator with automatic status back on', () =>
  startSimHarness({ isAsbOnAtConnect: true }),
);
