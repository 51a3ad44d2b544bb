/**
 * Which of the machine's addresses is its LAN address: the one the kernel sends from towards the LAN's
 * multicast group (the same route mDNS takes). A hub machine often has others too: a Docker or VM bridge
 * (172.17.0.1), a second NIC. They are listed after the interfaces they were made after, so "the last
 * address" was often a bridge's, which no tablet can reach.
 */
import dgram from 'node:dgram';
import os from 'node:os';

const MDNS_GROUP = '224.0.0.251';
const MDNS_PORT = 5353;

/**
 * The local IPv4 address the kernel routes multicast DNS from, or null when there is no route. A UDP socket
 * connected to the group asks the kernel's routing, as multicast-dns's own socket does (it leaves the
 * interface to the kernel); connecting sends nothing.
 */
export function outgoingAddress(): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const done = (address: string | null): void => {
      try {
        socket.close();
      } catch {
        /* closed already */
      }
      resolve(address);
    };
    socket.on('error', () => done(null));
    try {
      socket.connect(MDNS_PORT, MDNS_GROUP, (err?: Error) => {
        if (err) return done(null); // ENETUNREACH: no route to the group
        try {
          const { address } = socket.address();
          done(address === '0.0.0.0' ? null : address);
        } catch {
          done(null);
        }
      });
    } catch {
      done(null);
    }
  });
}

/** Every non-internal address (IPv4 and IPv6, lower case) of the interface that has `address`, or undefined. */
export function addressesOfInterfaceWith(address: string): Set<string> | undefined {
  for (const addrs of Object.values(os.networkInterfaces())) {
    if (addrs?.some((a) => a.address === address)) return new Set(addrs.filter((a) => !a.internal).map((a) => a.address.toLowerCase()));
  }
  return undefined;
}
