import type { NetworkInterfaceInfo } from 'node:os';
import { expect, it } from 'vitest';
import { lanOrigins } from './qr-sheet.ts';

const v4 = (address: string, internal = false) => ({ address, family: 'IPv4', internal }) as NetworkInterfaceInfo;

it("lists the LAN address the kernel routes from first: a sheet opened on the hub machine prints the first, and a bridge's is unreachable", () => {
  const interfaces = { lo: [v4('127.0.0.1', true)], docker0: [v4('172.17.0.1')], eth0: [v4('192.168.1.20')] };
  expect(lanOrigins(8080, '192.168.1.20', interfaces)).toEqual(['http://192.168.1.20:8080', 'http://172.17.0.1:8080']);
  // no route known, or an address not among them: as the machine lists them
  expect(lanOrigins(8080, null, interfaces)).toEqual(['http://172.17.0.1:8080', 'http://192.168.1.20:8080']);
  expect(lanOrigins(8080, '10.0.0.9', interfaces)).toEqual(['http://172.17.0.1:8080', 'http://192.168.1.20:8080']);
});
