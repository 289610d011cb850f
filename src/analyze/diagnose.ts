// A diagnosis per virtual router, from the analyzer's snapshot: what was seen, the likely causes
// ranked by the evidence, what to check or change, and what this capture cannot tell. It only
// reasons from alerts that were raised; when two causes look alike on the wire, it says which
// capture would tell them apart instead of guessing.
import type { Alert, AlertKind } from './alerts.js';
import type { AnalyzerSnapshot, RouterSnapshot, VridSnapshot } from './analyzer.js';
import { fmtMs } from '../duration.js';
import { describeClock } from './clocks.js';

/** Clock offsets between vantage points from this size on are named in the diagnosis. */
const CLOCK_NOTE_MS = 3;

export interface Cause {
  /** Stable id, e.g. 'auth-mismatch', 'host-discards-adverts'. */
  id: string;
  title: string;
  evidence: string[];
  fix: string[];
}

export interface Diagnosis {
  vrid: number;
  family: VridSnapshot['family'];
  /** The segment's name, present only when the capture holds more than one. */
  segment?: string;
  versions: number[];
  state: VridSnapshot['state'];
  seen: string[];
  causes: Cause[];
  cannotTell: string[];
}

/** Wire text (passwords) is kept as data here: renderers escape it. */
export function diagnose(s: AnalyzerSnapshot, options: { live?: { localAddrs: string[] } } = {}): Diagnosis[] {
  return s.vrids.map((v) => diagnoseVrid(s, v, options.live?.localAddrs ?? null));
}

/** What every rule reads: the snapshot, the virtual router, and the causes and unknowns so far. */
interface Context {
  s: AnalyzerSnapshot;
  v: VridSnapshot;
  localAddrs: string[] | null;
  causes: Cause[];
  cannotTell: string[];
  raised(kind: AlertKind): boolean;
  /** Alerts of `kind` about this virtual router (not the clearings), oldest first. */
  alertsOf(kind: AlertKind): Alert[];
}

/** One cause the diagnosis can name: when it applies, and what it says. Tried in this order. */
interface Rule {
  /** The Cause ids this rule gives. */
  ids: readonly string[];
  when: (c: Context) => boolean;
  causes: (c: Context) => Cause[];
}

const list = (rs: RouterSnapshot[], show: (r: RouterSnapshot) => string) => rs.map((r) => `${r.src}: ${show(r)}`);

/** Causes that explain a split brain by themselves; without any, host-discards-adverts is named. */
const EXPLAINS_SPLIT_BRAIN: readonly string[] = ['path-drops-adverts', 'version-mismatch', 'auth-mismatch', 'interval-mismatch', 'vip-list-mismatch', 'ttl', 'checksum', 'icmp-reject', 'igmp-snooping'];

const RULES: readonly Rule[] = [
  {
    ids: ['version-mismatch'],
    when: (ctx) => ctx.raised('version-mismatch'),
    causes: (ctx) => [{
      id: 'version-mismatch',
      title: 'VRRP version mismatch: each router discards the other\'s adverts',
      evidence: list(ctx.v.routers, (r) => `VRRPv${r.version}`),
      fix: ['set the same VRRP version on every router of the virtual router (keepalived: `vrrp_version 2` or `3` in global_defs or the vrrp_instance)'],
    }],
  },
  {
    ids: ['icmp-reject'],
    when: (ctx) => ctx.raised('vrrp-rejected') || ctx.s.unattributedAlerts.some((a) => a.kind === 'vrrp-rejected'),
    causes: (ctx) => {
      const rej = [...ctx.alertsOf('vrrp-rejected'), ...ctx.s.unattributedAlerts.filter((a) => a.kind === 'vrrp-rejected')];
      return [{
        id: 'icmp-reject',
        title: 'A host rejects the VRRP adverts (ICMP error)',
        evidence: [
          ...rej.map((a) => a.message),
          // A rejecter that advertises this VRID itself runs keepalived at that address: only a rule fits.
          ...[...new Set(rej.map((a) => a.sources[0]))].filter((x) => ctx.v.routers.some((r) => r.src === x)).map((x) =>
            `${x} itself advertises VRID ${ctx.v.vrid}, so a VRRP instance runs at that address: the rejects come from a firewall rule there`),
        ],
        fix: rej.map((a) => `on ${a.sources[0]}: accept IP protocol 112 from ${a.sources[1]} before any REJECT rule ` +
          `(nft: \`ip saddr ${a.sources[1]} ip protocol vrrp accept\`; iptables: \`-A INPUT -s ${a.sources[1]} -p vrrp -j ACCEPT\`), ` +
          `and check that keepalived runs there with this peer in unicast_peer`),
      }];
    },
  },
  {
    ids: ['auth-mismatch'],
    when: (ctx) => ctx.raised('auth-mismatch'),
    causes: (ctx) => [{
      id: 'auth-mismatch',
      title: 'Password (authentication) mismatch',
      evidence: list(ctx.v.routers, (r) => (r.authType === 1 ? `auth PASS ${JSON.stringify(r.authPass ?? '')}` : r.authType === 0 ? 'no authentication' : `auth type ${r.authType}`)),
      fix: ['make `authentication { auth_type PASS  auth_pass ... }` identical on every node of the instance (keepalived uses the first 8 characters)'],
    }],
  },
  {
    ids: ['interval-mismatch'],
    when: (ctx) => ctx.raised('interval-mismatch'),
    causes: (ctx) => [{
      id: 'interval-mismatch',
      title: 'Advertisement interval mismatch',
      evidence: list(ctx.v.routers, (r) => `advert_int ${fmtMs(r.intervalMs)}`),
      fix: ['set the same `advert_int` on every node (keepalived drops VRRPv2 adverts with another interval, so both sides become master)'],
    }],
  },
  {
    ids: ['vip-list-mismatch'],
    when: (ctx) => ctx.raised('vrid-clash'),
    causes: (ctx) => [{
      id: 'vip-list-mismatch',
      title: 'Different virtual address lists under one VRID',
      evidence: list(ctx.v.routers, (r) => r.addrs.join(' ') || 'none'),
      fix: [`if these are two clusters, give one another \`virtual_router_id\` (VRIDs must be unique per segment); otherwise align \`virtual_ipaddress\``],
    }],
  },
  {
    ids: ['ttl'],
    when: (ctx) => ctx.raised('bad-ttl'),
    causes: (ctx) => [{
      id: 'ttl',
      title: 'TTL / hop limit is not 255',
      evidence: list(ctx.v.routers.filter((r) => r.ttl !== 255), (r) => `TTL ${r.ttl}`),
      fix: ['receivers discard adverts with TTL != 255 (RFC 3768 §7.1, RFC 5798 §7.1): the adverts crossed a router or were rewritten; keep VRRP peers on one L2 segment'],
    }],
  },
  {
    ids: ['checksum'],
    when: (ctx) => ctx.raised('bad-checksum'),
    causes: (ctx) => [{
      id: 'checksum',
      title: 'Checksum not accepted',
      evidence: list(ctx.v.routers.filter((r) => r.counts.badChecksum > 0), (r) => `${r.counts.badChecksum} adverts with a bad checksum`),
      fix: ['for VRRPv3 over IPv4 between vendors: check whether one side leaves the pseudo-header out (Cisco; keepalived `vrrp_v3_checksum_as_v2`) and set both the same'],
    }],
  },
  {
    ids: ['hidden-master'],
    when: (ctx) => ctx.raised('hidden-master'),
    causes: (ctx) => {
      const cause: Cause = {
        id: 'hidden-master',
        title: 'A second master whose adverts do not reach this capture point',
        evidence: ctx.alertsOf('hidden-master').map((a) => a.message),
        fix: ['compare advert_int, password and VRID on both nodes', 'check every filter on the path between the two masters for IP protocol 112 to 224.0.0.18 (or the unicast peer)'],
      };
      const m = ctx.v.master;
      if (ctx.localAddrs && m && ctx.localAddrs.includes(m.src)) {
        // Live, the local view: we are the master and the other one's adverts never arrive here.
        cause.evidence.push(
          `this host (${m.src}) is master, another router claims the virtual address, and its adverts never arrive on ` +
            `this interface: the path between the two drops them (a firewall, security group or switch on the way)`);
      } else {
        ctx.cannotTell.push('whether the hidden master\'s adverts are dropped on the way or never sent: capture on that node as well');
      }
      return [cause];
    },
  },
  {
    ids: ['igmp-snooping'],
    when: (ctx) => ctx.raised('no-group-member'),
    causes: (ctx) => [{
      id: 'igmp-snooping',
      title: 'Custom multicast group without members: IGMP/MLD snooping may not forward it',
      evidence: [
        ...ctx.alertsOf('no-group-member').map((a) => a.message),
        ...(ctx.raised('duplicate-master') ? ['the backups never receive adverts sent to a group they did not join: this explains the split brain'] : []),
      ],
      fix: ['enable an IGMP querier on the VLAN, or use the standard group (224.0.0.18 / ff02::12), or a group in 224.0.0.0/24'],
    }],
  },
  {
    // Captures from several vantage points read together: where each router's adverts were seen.
    ids: ['path-drops-adverts'],
    when: (ctx) => ctx.raised('duplicate-master') && lostOnTheWay(ctx.v.routers).length > 0,
    causes: (ctx) => {
      const lost = lostOnTheWay(ctx.v.routers);
      return [{
        id: 'path-drops-adverts',
        title: 'Adverts are lost on the way: they never appear on another vantage point\'s wire',
        evidence: lost.map(({ r, place, n, most }) =>
          `${r.src}'s adverts were seen ${most} times at its best vantage point but only ${n} times at ${place}: ` +
            `the path to ${place} drops them (switch, hypervisor, security group), so the router there hears no master`),
        fix: ['find the filter between the vantage points: a switch or bridge rule, a hypervisor or cloud security group, IGMP snooping; allow IP protocol 112 to 224.0.0.18 (ff02::12) on that path'],
      }];
    },
  },
  {
    ids: ['host-discards-adverts'],
    when: (ctx) => ctx.raised('duplicate-master') && !ctx.causes.some((x) => EXPLAINS_SPLIT_BRAIN.includes(x.id)),
    causes: (ctx) => {
      const dup = ctx.alertsOf('duplicate-master');
      const local = ctx.localAddrs ? dup.flatMap((a) => a.sources).filter((x) => ctx.localAddrs!.includes(x)) : [];
      const cause: Cause = {
        id: 'host-discards-adverts',
        title: 'Both masters are visible here with equal configuration, so a host discards its peer\'s adverts',
        evidence: [...dup.map((a) => a.message), 'auth, interval, VIP list, TTL and checksum agree between the routers'],
        fix: [
          'on each node, allow IP protocol 112 from the peer in the INPUT chain (`nft add rule inet filter input ip protocol vrrp accept`)',
          'check that keepalived listens on the interface the adverts arrive on (`interface` in vrrp_instance), and that no security group or hypervisor filter drops multicast in one direction',
        ],
      };
      if (local.length > 0) {
        cause.evidence.push(
          `this host (${local.join(', ')}) is one of the masters and its peer's adverts do arrive on this interface: ` +
            `this host discards them (its INPUT firewall, a different VRID or password, or keepalived bound to another interface)`);
      } else {
        ctx.cannotTell.push('which of the nodes discards the adverts: capture on each node\'s own interface (libpcap sees packets before the host firewall); the node that receives its peer\'s adverts and still advertises is the one discarding them');
      }
      return [cause];
    },
  },
  {
    ids: ['master-silent', 'no-master'],
    when: (ctx) => ctx.raised('missed-advert'),
    causes: (ctx) => {
      const evidence = ctx.alertsOf('missed-advert').map((a) => `${isoTime(a.ts)} ${a.message}`);
      if (ctx.v.masterChanges.some((x) => x.reason === 'timeout')) {
        ctx.cannotTell.push('whether the old master stopped sending or its adverts were dropped on the way: capture on the old master\'s own interface');
        return [{
          id: 'master-silent',
          title: 'The master went silent and a backup took over after Master_Down_Interval',
          evidence,
          fix: ['check the old master: keepalived crashed or was killed (no priority 0 was sent), the host or its link went down, or its adverts are dropped on the way'],
        }];
      }
      return [{
        id: 'no-master',
        title: 'No router advertises: the virtual addresses are down',
        evidence,
        fix: ['start keepalived on a backup, or check why the backups do not take over (they may not hear the master\'s absence if the instance is in FAULT state)'],
      }];
    },
  },
  {
    ids: ['garp-missing'],
    when: (ctx) => ctx.raised('garp-missing'),
    causes: (ctx) => [{
      id: 'garp-missing',
      title: 'No gratuitous ARP after a takeover',
      evidence: ctx.alertsOf('garp-missing').map((a) => a.message),
      fix: ['check `vrrp_garp_master_delay`, `vrrp_garp_master_repeat` and `garp_master_refresh`; hosts keep the old MAC until their ARP cache expires'],
    }],
  },
  {
    ids: ['vmac'],
    when: (ctx) => ctx.raised('vmac-mismatch'),
    causes: (ctx) => [{
      id: 'vmac',
      title: 'Virtual MAC problems',
      evidence: ctx.alertsOf('vmac-mismatch').map((a) => a.message),
      fix: ['check `use_vmac` on both nodes and that the VMAC matches the VRID'],
    }],
  },
  {
    ids: ['priority-drop'],
    when: (ctx) => ctx.raised('priority-change'),
    causes: (ctx) => {
      const drops = ctx.alertsOf('priority-change').filter((a) => (a.newPriority ?? 0) < (a.oldPriority ?? 0));
      const preempts = ctx.v.masterChanges.filter((x) => x.reason === 'preempted');
      return drops.map((a) => {
        const next = preempts.find((x) => x.ts >= a.ts && x.from === a.sources[0]);
        return {
          id: 'priority-drop',
          title: `The master lowered its priority${next ? ', and a backup preempted it' : ''}`,
          evidence: [
            `${a.sources[0]} lowered its priority from ${a.oldPriority} to ${a.newPriority} at ${isoTime(a.ts)} (keepalived track_script / track_interface weight)`,
            ...(next ? [`${next.to} preempted at ${isoTime(next.ts)}`] : []),
          ],
          fix: [`check the tracked scripts and interfaces on ${a.sources[0]} (keepalived logs which one failed)`],
        };
      });
    },
  },
  {
    ids: ['healthy'],
    when: (ctx) => ctx.causes.length === 0,
    causes: (ctx) => {
      const m = ctx.v.master;
      if (ctx.v.routers.length === 1) ctx.cannotTell.push('whether the backups are alive: backups are silent in VRRP; stop the master briefly (or check keepalived on the backups) to see one take over');
      return [{
        id: 'healthy',
        title: 'No fault seen',
        evidence: [m ? `${m.src} is master with priority ${m.priority}, advertising every ${fmtMs(m.intervalMs)}` : 'no master at the end of the capture'],
        fix: [],
      }];
    },
  },
  {
    ids: ['firewall-note'],
    when: (ctx) => ctx.raised('nonstandard-group') || ctx.raised('unicast'),
    causes: (ctx) => [{
      id: 'firewall-note',
      title: 'Adverts leave the standard group: every firewall on the way must allow them',
      evidence: (['nonstandard-group', 'unicast'] as AlertKind[]).filter((k) => ctx.raised(k)).flatMap((k) => ctx.alertsOf(k).map((a) => a.message)),
      fix: ['allow IP protocol 112 to that group or between the unicast peers on every host and security group in between'],
    }],
  },
];

function diagnoseVrid(s: AnalyzerSnapshot, v: VridSnapshot, localAddrs: string[] | null): Diagnosis {
  const ctx: Context = {
    s, v, localAddrs,
    causes: [],
    cannotTell: [],
    raised: (k) => (v.alerts[k] ?? 0) > 0,
    alertsOf: (k) => s.recentAlerts.filter((a) => a.kind === k && a.vrid === v.vrid && a.family === v.family && a.status !== 'cleared'),
  };
  const seen = v.routers.map(describeRouter);
  for (const x of v.masterChanges) {
    seen.push(`master changed ${x.from ?? '-'} -> ${x.to} at ${isoTime(x.ts)} (${x.reason}, gap ${x.gapMs === null ? '?' : fmtMs(x.gapMs)})`);
  }
  for (const [kind, n] of Object.entries(v.alerts)) {
    const first = ctx.alertsOf(kind as AlertKind)[0];
    seen.push(`${kind} x${n}${first ? `, first at ${isoTime(first.ts)}` : ''}`);
  }
  for (const c of s.clocks) {
    // A skew of a few milliseconds is within what one host's capture jitters: only more is worth a word.
    if (c.offsetMs === null) ctx.cannotTell.push(`how the clock of ${c.vantage} compares with ${c.against}'s: ${describeClock(c)}`);
    else if (Math.abs(c.offsetMs) >= CLOCK_NOTE_MS) seen.push(`clock of ${c.vantage}: ${describeClock(c)}; each router's advert intervals are measured on one vantage's clock`);
  }
  for (const rule of RULES) if (rule.when(ctx)) ctx.causes.push(...rule.causes(ctx));
  return { vrid: v.vrid, family: v.family, ...(v.segment === null ? {} : { segment: v.segment }), versions: v.versions, state: v.state, seen, causes: ctx.causes, cannotTell: ctx.cannotTell };
}

/** Routers whose adverts one vantage point saw under half as often as another did. */
function lostOnTheWay(routers: RouterSnapshot[]): { r: RouterSnapshot; place: string; n: number; most: number }[] {
  const out: { r: RouterSnapshot; place: string; n: number; most: number }[] = [];
  for (const r of routers) {
    if (r.seenAt === null) continue;
    const places = Object.entries(r.seenAt);
    if (places.length < 2) continue;
    const most = Math.max(...places.map(([, n]) => n));
    for (const [place, n] of places) if (n < most / 2) out.push({ r, place, n, most });
  }
  return out;
}

function describeRouter(r: RouterSnapshot): string {
  const o = r.observed;
  const seen = r.seenAt === null ? '' : `, seen at ${Object.entries(r.seenAt).map(([place, n]) => `${place} ${n} times`).join(', ')}`;
  return `${r.src}${r.mac ? ` (${r.mac}${r.vmac ? ', VMAC' : ''})` : ''} ${r.role}, priority ${r.priority}, ${r.adverts} adverts ` +
    `${isoTime(r.firstSeenTs)} to ${isoTime(r.lastSeenTs)}, advert_int ${fmtMs(r.intervalMs)}` +
    (o.count > 0 ? ` (observed mean ${fmtMs(o.meanMs!)}, max ${fmtMs(o.maxMs!)})` : '') +
    `, TTL ${r.ttl}, to ${r.dst}${seen}`;
}

/** UTC time of day with milliseconds: diagnoses are pasted into tickets read in other time zones. */
function isoTime(ts: number): string {
  const d = new Date(Math.round(ts * 1000));
  // pcapng timestamps are 64-bit counts plus an offset: they can lie beyond what a Date holds
  // (±8.64e12 s), where toISOString throws. Such a capture still gets its report.
  if (Number.isNaN(d.getTime())) return `${ts} s after 1970`;
  return d.toISOString().replace('T', ' ').replace('Z', ' UTC');
}

export type { Alert };
