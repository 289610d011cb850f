// Tag untagged Ethernet captures with an 802.1Q VLAN each and merge them in time order:
//   npx tsx scripts/lab/tag-merge.ts OUT.pcap VLAN=IN.pcap [VLAN=IN.pcap ...]
// The lab's kernel has no 8021q module, so a trunk cannot be captured as such: trunk-two-vlans
// records two independent bridges at once and builds the trunk's view with this (tagged after
// capture; the truth file says so). The frames are otherwise byte for byte what tcpdump wrote.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LINKTYPES, readPcap } from './pcap-peek.js';

const TPID_8021Q = 0x8100;

/** A copy of an Ethernet frame with an 802.1Q tag (PCP 0, DEI 0, `vlan`) after the MAC addresses. */
export function tagFrame(frame: Uint8Array, vlan: number): Uint8Array {
  if (frame.length < 14) throw new Error(`frame of ${frame.length} bytes has no Ethernet header`);
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  out.set([TPID_8021Q >> 8, TPID_8021Q & 0xff, (vlan >> 8) & 0x0f, vlan & 0xff], 12);
  out.set(frame.subarray(12), 16);
  return out;
}

/**
 * One little-endian µs pcap (Ethernet) holding every frame of `inputs`, each tagged with its
 * input's VLAN, ordered by time (stable: equal timestamps keep input order).
 */
export function tagMerge(inputs: { vlan: number; pcap: Uint8Array }[]): Uint8Array {
  const all: { usec: bigint; data: Uint8Array; origLen: number; order: number }[] = [];
  let snapLen = 0;
  for (const { vlan, pcap } of inputs) {
    if (!(vlan >= 1 && vlan <= 4094)) throw new Error(`VLAN ${vlan} is not 1..4094`);
    const f = readPcap(pcap);
    if (f.linkType !== LINKTYPES.ethernet) throw new Error(`only Ethernet captures can be tagged, not linktype ${f.linkType}`);
    snapLen = Math.max(snapLen, f.snapLen + 4);
    for (const r of f.records) {
      const usec = BigInt(r.sec) * 1_000_000n + BigInt(f.nanos ? Math.floor(r.frac / 1000) : r.frac);
      all.push({ usec, data: tagFrame(r.data, vlan), origLen: r.origLen + 4, order: all.length });
    }
  }
  all.sort((a, b) => (a.usec < b.usec ? -1 : a.usec > b.usec ? 1 : a.order - b.order));
  const out = Buffer.alloc(24 + all.reduce((n, r) => n + 16 + r.data.length, 0));
  out.writeUInt32LE(0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(snapLen, 16);
  out.writeUInt32LE(LINKTYPES.ethernet, 20);
  let o = 24;
  for (const r of all) {
    out.writeUInt32LE(Number(r.usec / 1_000_000n), o);
    out.writeUInt32LE(Number(r.usec % 1_000_000n), o + 4);
    out.writeUInt32LE(r.data.length, o + 8);
    out.writeUInt32LE(r.origLen, o + 12);
    out.set(r.data, o + 16);
    o += 16 + r.data.length;
  }
  return out;
}

function main(argv: string[]): number {
  const [outFile, ...specs] = argv;
  if (!outFile || specs.length === 0 || specs.some((s) => !/^\d+=./.test(s))) {
    console.error('usage: npx tsx scripts/lab/tag-merge.ts OUT.pcap VLAN=IN.pcap [VLAN=IN.pcap ...]');
    return 2;
  }
  const inputs = specs.map((s) => {
    const eq = s.indexOf('=');
    return { vlan: Number(s.slice(0, eq)), pcap: fs.readFileSync(s.slice(eq + 1)) };
  });
  fs.writeFileSync(outFile, tagMerge(inputs));
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (e) {
    console.error(`tag-merge: ${(e as Error).message}`);
    process.exit(2);
  }
}
