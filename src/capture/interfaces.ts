// The interfaces libpcap can capture on (for `vrrpscope interfaces`, like `tcpdump -D`), and what
// Linux says about them.
//
// node_pcap's findalldevs passes on only the loopback flag of pcap_if_t, so up, running and
// wireless come from sysfs where there is one. Whether a netdev exists is read from /proc/net/dev
// instead: /proc/self/net always shows the caller's network namespace, while /sys shows the one
// it was mounted in (`ip netns exec` remounts it, `nsenter --net` does not).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { LiveCaptureError, errorText, loadPcapBinding, type NativeAddress, type PcapBinding } from './pcap-native.js';

export interface InterfaceAddress {
  addr: string;
  netmask?: string;
  broadaddr?: string;
  dstaddr?: string;
}

export interface InterfaceFlags {
  loopback: boolean;
  /** Undefined where the system does not say (no sysfs, or not a network device, like "any"). */
  up?: boolean;
  running?: boolean;
  wireless?: boolean;
}

export interface InterfaceInfo {
  name: string;
  description?: string;
  /** IPv4 and IPv6 addresses only: the binding leaves out other families. */
  addresses: InterfaceAddress[];
  flags: InterfaceFlags;
}

// <linux/if.h> and <linux/if_arp.h>
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
export const ARPHRD_ETHER = 1;
export const ARPHRD_LOOPBACK = 772;

/** Every device libpcap can open, in its order (pcap_findalldevs: up and running ones first). */
export function listInterfaces(opts: { bindingPath?: string } = {}): InterfaceInfo[] {
  return devices(loadPcapBinding(opts.bindingPath)).map((dev) => {
    const sysFlags = readSysNumber(dev.name, 'flags');
    const flags: InterfaceFlags = { loopback: dev.flags === 'PCAP_IF_LOOPBACK' || (sysFlags !== undefined && (sysFlags & IFF_LOOPBACK) !== 0) };
    if (sysFlags !== undefined) {
      flags.up = (sysFlags & IFF_UP) !== 0;
      // sysfs `flags` is dev->flags, which never holds IFF_RUNNING: the kernel adds that when
      // reporting, for an operational state of up or unknown (dev_get_flags, netif_oper_up).
      const operstate = readSys(dev.name, 'operstate');
      flags.running = flags.up && (operstate === 'up' || operstate === 'unknown');
      // cfg80211 devices have phy80211; wireless is the older wireless-extensions directory.
      flags.wireless = ['phy80211', 'wireless'].some((entry) => fs.existsSync(sysPath(dev.name, entry)!));
    }
    const info: InterfaceInfo = { name: dev.name, addresses: dev.addresses.filter((a): a is NativeAddress & { addr: string } => !!a?.addr), flags };
    if (dev.description) info.description = dev.description;
    return info;
  });
}

/** The names libpcap lists, narrowed to real network devices (and "any") where Linux says which those are. */
export function captureDeviceNames(binding: PcapBinding): string[] {
  const names = devices(binding).map((d) => d.name);
  const netdevs = netdevNames();
  return netdevs ? names.filter((n) => n === 'any' || netdevs.has(n)) : names;
}

/** Whether `name` is still something to capture on; undefined when that cannot be told. */
export function interfaceExists(name: string, binding: PcapBinding): boolean | undefined {
  if (name === 'any') return true;
  const netdevs = netdevNames();
  if (netdevs) return netdevs.has(name);
  try {
    return binding.findalldevs().some((d) => d.name === name);
  } catch {
    return undefined;
  }
}

/** The ARPHRD_ type of a Linux netdev (sysfs `type`), which decides the link type libpcap picks. */
export function netdevType(name: string): number | undefined {
  return readSysNumber(name, 'type');
}

function devices(binding: PcapBinding): ReturnType<PcapBinding['findalldevs']> {
  try {
    return binding.findalldevs();
  } catch (e) {
    // The binding throws when pcap_findalldevs fails or finds nothing at all.
    throw new LiveCaptureError('failed', `cannot list capture interfaces: ${errorText(e) || 'libpcap found none'}`);
  }
}

/** Netdevs of this process's network namespace, or undefined off Linux. */
function netdevNames(): Set<string> | undefined {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/net/dev', 'latin1');
  } catch {
    return undefined;
  }
  // Two header lines, then "  name: counters…" per device.
  return new Set(
    text
      .split('\n')
      .slice(2)
      .map((line) => line.split(':')[0].trim())
      .filter((n) => n !== ''),
  );
}

function sysPath(name: string, entry: string): string | undefined {
  // A name is one path component in /sys/class/net; anything else is not a netdev there.
  if (name === '' || name === '.' || name === '..' || name.includes('/')) return undefined;
  return path.join('/sys/class/net', name, entry);
}

function readSys(name: string, entry: string): string | undefined {
  const file = sysPath(name, entry);
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'latin1').trim();
  } catch {
    return undefined;
  }
}

function readSysNumber(name: string, entry: string): number | undefined {
  // sysfs prints flags in hex ("0x1003") and type in decimal; Number() reads both.
  const text = readSys(name, entry);
  const value = text ? Number(text) : NaN;
  return Number.isInteger(value) ? value : undefined;
}

/** The interface's own addresses ("this host" in the diagnosis); empty when libpcap cannot list them. */
export function interfaceAddresses(iface: string): string[] {
  try {
    return listInterfaces().find((i) => i.name === iface)?.addresses.map((a) => a.addr) ?? [];
  } catch {
    // No binding: openLive reports that with the install instructions.
    return [];
  }
}
