// Giving up root once the capture (and any -w file) is open, as tcpdump -Z does: an open packet
// socket keeps working, and a bug in a decoder can then no longer do what root can.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export type PrivilegeDrop =
  | { dropped: true; user: string; uid: number; gid: number; groups: number[] }
  | { dropped: false; reason: string };

export class PrivilegeError extends Error {
  override name = 'PrivilegeError';
}

/**
 * Switches the whole process to `user` and its groups, for good. Does nothing (and says why) when
 * not running as root, e.g. with capabilities granted by setcap. Throws PrivilegeError when the
 * user is unknown or the switch did not hold.
 */
export function dropPrivileges(user = 'nobody'): PrivilegeDrop {
  const posix = posixProcess();
  if (!posix) return { dropped: false, reason: `${process.platform} has no user ids to switch` };
  const euid = posix.geteuid();
  if (euid !== 0) return { dropped: false, reason: `not running as root (effective uid ${euid})` };

  const account = lookupUser(user);
  if (account.uid === 0) throw new PrivilegeError(`refusing to drop privileges to ${user}: it is root (uid 0)`);
  try {
    // Groups first: after setuid() the process may no longer change them.
    posix.initgroups(user, account.gid);
    posix.setgid(account.gid);
    posix.setuid(account.uid);
  } catch (e) {
    throw new PrivilegeError(`cannot switch to user ${user}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ids = [posix.getuid(), posix.geteuid(), posix.getgid(), posix.getegid()];
  if (ids.join() !== [account.uid, account.uid, account.gid, account.gid].join()) {
    throw new PrivilegeError(`switching to user ${user} did not hold (uid, euid, gid, egid: ${ids.join(', ')})`);
  }
  // The check OpenSSH makes (permanently_set_uid): root must be out of reach now.
  let regained = true;
  try {
    posix.setuid(0);
  } catch {
    regained = false;
  }
  if (regained) throw new PrivilegeError(`after switching to user ${user} the process could become root again`);
  return { dropped: true, user, uid: account.uid, gid: account.gid, groups: posix.getgroups() };
}

/** The POSIX side of `process`: missing on Windows, and @types/node 20 does not declare initgroups. */
interface PosixProcess {
  getuid(): number;
  geteuid(): number;
  getgid(): number;
  getegid(): number;
  getgroups(): number[];
  initgroups(user: string, extraGroup: number): void;
  setgid(id: number): void;
  setuid(id: number): void;
}

function posixProcess(): PosixProcess | undefined {
  const p = process as unknown as Partial<PosixProcess>;
  const needed: (keyof PosixProcess)[] = ['getuid', 'geteuid', 'getgid', 'getegid', 'getgroups', 'initgroups', 'setgid', 'setuid'];
  return needed.every((f) => typeof p[f] === 'function') ? (p as PosixProcess) : undefined;
}

/** uid and primary gid: from /etc/passwd, else from id(1), which also asks NSS (LDAP, systemd). */
function lookupUser(user: string): { uid: number; gid: number } {
  const unknown = new PrivilegeError(`cannot drop privileges: no user named "${user}"`);
  // id(1) would read a leading dash as an option.
  if (user === '' || user.startsWith('-')) throw unknown;
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, gid] = line.split(':');
      const found = { uid: Number(uid), gid: Number(gid) };
      if (name === user && Number.isInteger(found.uid) && Number.isInteger(found.gid)) return found;
    }
  } catch {
    // No /etc/passwd: ask id(1).
  }
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const found = { uid: id('-u'), gid: id('-g') };
    if (Number.isInteger(found.uid) && Number.isInteger(found.gid)) return found;
  } catch {
    // Falls through: id(1) says the user does not exist, or is not there either.
  }
  throw unknown;
}
