/**
 * A small tmpfs mounted for one kiosk's data dir, so "disk full" is the real thing (ENOSPC from the
 * kernel, SQLITE_FULL in the agent) and not a mock. Needs root (CAP_SYS_ADMIN); `mount()` returns
 * undefined when that is not available and the chaos runner then skips the disk-full fault.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class SmallDisk {
  private filler?: string;

  private constructor(readonly dir: string) {}

  static mount(sizeMb: number): SmallDisk | undefined {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
    const dir = mkdtempSync(join(tmpdir(), 'lb-disk-'));
    const res = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0777`, 'tmpfs', dir], { timeout: 5000 });
    if (res.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
    return new SmallDisk(dir);
  }

  /** Fills the disk to the last byte with a filler file; returns the bytes written. */
  fill(): number {
    this.filler = join(this.dir, `filler-${Date.now()}`);
    const fd = openSync(this.filler, 'w');
    const chunk = Buffer.alloc(256 * 1024);
    let written = 0;
    try {
      for (const size of [chunk.length, 4096, 512]) {
        // big chunks first, then the last partial pages
        for (let i = 0; i < 100_000; i++) {
          try {
            written += writeSync(fd, chunk, 0, size);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
            break;
          }
        }
      }
    } finally {
      closeSync(fd);
    }
    return written;
  }

  free(): void {
    if (this.filler) rmSync(this.filler, { force: true });
    this.filler = undefined;
  }

  unmount(): void {
    this.free();
    const res = spawnSync('umount', [this.dir], { timeout: 5000 });
    if (res.status !== 0) spawnSync('umount', ['-l', this.dir], { timeout: 5000 });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
