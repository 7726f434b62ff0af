// A small ext4 filesystem on a loop device, for tests of a full or failing disk: made with mkfs,
// mounted with `mount -o loop` (root only). Where that is impossible (not root, no loop devices)
// the tests skip, except under CI=true, where a missing capability is an error.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface LoopFs {
  /** Where it is mounted. */
  dir: string;
  /** Fills the free space with a file (as root: the reserved blocks too), until ENOSPC. */
  fill(): void;
  /** Removes the filler: the space is free again. */
  unfill(): void;
  /** Makes ext4 report an error, so that it turns read-only (mounted with errors=remount-ro). */
  failReadOnly(): void;
  /** Unmounts and mounts it again after a filesystem check (what an operator does after an error). */
  repair(): void;
  /** Unmounts and deletes it. */
  destroy(): void;
}

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Why a loop filesystem cannot be made here, or null when it can (throws under CI=true instead of returning a reason). */
export function loopFsUnavailable(): string | null {
  let reason: string | null = null;
  if (process.getuid?.() !== 0) reason = 'not root: mount -o loop needs root';
  else {
    try {
      run('losetup', ['-f']);
      run('mkfs.ext4', ['-V']);
    } catch (error) {
      reason = `no loop device or mkfs.ext4: ${(error as Error).message}`;
    }
  }
  if (reason !== null && process.env['CI'] === 'true') throw new Error(`${reason} (required when CI=true)`);
  return reason;
}

export function makeLoopFs(megabytes: number): LoopFs {
  const base = mkdtempSync(join(tmpdir(), 'feedloop-loopfs-'));
  const image = join(base, 'disk.img');
  const dir = join(base, 'mnt');
  run('truncate', ['-s', `${megabytes}M`, image]);
  run('mkfs.ext4', ['-q', '-F', image]);
  run('mkdir', ['-p', dir]);
  const mount = () => run('mount', ['-o', 'loop,errors=remount-ro', image, dir]);
  mount();
  const filler = join(dir, 'filler');
  const device = () => basename(run('findmnt', ['-n', '-o', 'SOURCE', dir]).trim());
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(1 << 20);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
      // The last few blocks, below the size of a chunk.
      const small = Buffer.alloc(4096);
      try {
        for (;;) writeSync(fd, small);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    },
    unfill() {
      unlinkSync(filler);
    },
    failReadOnly() {
      run('sh', ['-c', `echo 1 > /sys/fs/ext4/${device()}/trigger_fs_error`]);
    },
    repair() {
      // Not lazily: whatever still holds a file open on it fails the test here.
      run('umount', [dir]);
      try {
        run('e2fsck', ['-f', '-y', image]);
      } catch (error) {
        // Exit status 1: errors were found and corrected, as expected after a reported error.
        if ((error as { status?: number }).status !== 1) throw error;
      }
      mount();
    },
    destroy() {
      try { run('umount', ['-l', dir]); } catch { /* not mounted */ }
      rmSync(base, { recursive: true, force: true });
    },
  };
}
