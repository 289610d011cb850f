// The lab's trunk capture (pcaps/lab/trunk-two-vlans.pcap: VRID 51 on VLAN 10 and on VLAN 20,
// VIPs 10.77.0.100 and 10.78.0.100) made into one with the same private VIP on both VLANs.

import { readCapture } from '../../src/capture/file.js';
import { PcapWriter } from '../../src/capture/writer.js';

/** 10.78.0.100 -> 10.77.0.100 in an 802.1Q frame (VRRP addresses, ARP sender and target); the VRRPv2 checksum made right. Returns 1 if changed. */
export function sameVip(d: Uint8Array): number {
  let changed = 0;
  for (let i = 18; i + 4 <= d.length; i++) {
    if (d[i] === 10 && d[i + 1] === 78 && d[i + 2] === 0 && d[i + 3] === 100) {
      d[i + 1] = 77;
      changed = 1;
    }
  }
  const ipAt = 18;
  if (changed && d[16] === 0x08 && d[17] === 0x00 && d[ipAt + 9] === 112) {
    const headerBytes = (d[ipAt] & 0xf) * 4;
    const at = ipAt + headerBytes;
    const end = ipAt + ((d[ipAt + 2] << 8) | d[ipAt + 3]);
    d[at + 6] = 0;
    d[at + 7] = 0;
    let sum = 0;
    for (let i = at; i < end; i += 2) sum += (d[i] << 8) | (i + 1 < end ? d[i + 1] : 0);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    d[at + 6] = (~sum >> 8) & 0xff;
    d[at + 7] = ~sum & 0xff;
  }
  return changed;
}

/** The trunk capture with VLAN 20's VIP rewritten to VLAN 10's (see sameVip), written to `out`. */
export async function writeSameVipTrunk(trunk: string, out: string): Promise<string> {
  let w: PcapWriter | null = null;
  await readCapture(trunk, (f) => {
    const d = f.data.slice();
    if (d[12] === 0x81 && d[13] === 0x00 && (((d[14] << 8) | d[15]) & 0xfff) === 20) sameVip(d);
    w ??= new PcapWriter(out, { linkType: f.linkType });
    w.write({ ts: f.ts, data: d, origLen: f.origLen });
  });
  w!.close();
  return out;
}
