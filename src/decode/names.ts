// What a field's value means: one table per value (tcpdump's tok2str, Wireshark's value_string).
// The line and JSON renderers, the summary, the analyzer's messages and the diagnosis all take
// their words from here; a new name is one line in one table.

import { nameOf } from './bytes.js';

/** VRRP Type (RFC 3768 §5.3.2, RFC 9568 §5.2.2). */
export const VRRP_TYPE_NAMES = { 1: 'advertisement' } as const;

/**
 * VRRPv2 Auth Type: RFC 2338 §5.3.6 defined 1 and 2; RFC 3768 §5.3.6 reserves them, yet
 * keepalived still sends 1. `name` is the short word of lines; `says` is how a message names it.
 */
export const AUTH_TYPES = {
  0: { name: 'none', says: 'no authentication' },
  1: { name: 'simple', says: 'a password' },
  2: { name: 'ah', says: 'IP AH authentication' },
} as const;

/** Short names of the auth types, as `nameOf` takes them. */
export const VRRP_AUTH_TYPE_NAMES = { 0: AUTH_TYPES[0].name, 1: AUTH_TYPES[1].name, 2: AUTH_TYPES[2].name } as const;

/** `simple`, `ah`, or `unknown (N)`. */
export function authTypeName(type: number): string {
  return nameOf(VRRP_AUTH_TYPE_NAMES, type);
}

/** How a router authenticates, in a message: `password "x"` (wire text raw: renderers escape it), `no authentication`, ... */
export function describeAuth(type: number | null, pass: string | null): string {
  if (type === 1) return `password "${pass ?? ''}"`;
  if (type === 0 || type === null) return AUTH_TYPES[0].says;
  if (type === 2) return AUTH_TYPES[2].says;
  return `auth type ${type}`;
}

/** ARP operation (RFC 826). */
export const ARP_OP_NAMES = { 1: 'request', 2: 'reply' } as const;

/** The priorities that mean more than a rank (RFC 3768 §5.3.4, RFC 9568 §5.2.4). `word` is the line's note. */
export const PRIORITY_MEANINGS = {
  0: { meaning: 'master resigning', word: 'resigning' },
  255: { meaning: 'address owner', word: 'owner' },
} as const;

/** What a priority value means, or null for an ordinary backup priority. */
export function priorityMeaning(priority: number): 'master resigning' | 'address owner' | null {
  return priority === 0 || priority === 255 ? PRIORITY_MEANINGS[priority].meaning : null;
}

/**
 * Why a host answers a VRRP advert with an ICMP error, by the error's stable reason word (see
 * IcmpErrorPacket.reason); other reasons are named by their word.
 */
export const ICMP_REJECT_CAUSES: Readonly<Record<string, string>> = {
  'admin-prohibited': 'a firewall rule there rejects IP protocol 112 (administratively prohibited)',
  'protocol-unreachable':
    'it has no VRRP listener (keepalived not running there, or the unicast peer address is wrong), or a REJECT rule answers with protocol-unreachable',
  'unrecognized-next-header':
    'it has no VRRP listener (keepalived not running there, or the unicast peer address is wrong), or a REJECT rule answers with protocol-unreachable',
};

export function icmpRejectCause(reason: string): string {
  return ICMP_REJECT_CAUSES[reason] ?? `ICMP ${reason}`;
}
