/**
 * On Linux, glibc's malloc hands every large block (≥ 32 MiB by default)
 * back to the system when it is freed and maps fresh pages for the next one.
 * A training step frees and allocates such tensors every step, and touching
 * fresh pages is slow (measured here: about 3.7 ms per MB), which made a
 * CIFAR-sized step up to 1.8× slower. These allocator settings keep freed
 * memory for reuse; they must be set before the process starts, so a command
 * re-launches itself once with them. Set LPL_NO_RELAUNCH=1 to skip this.
 *
 * The re-launch also turns on WebAssembly relaxed SIMD on Node 20 (Node 22 has
 * it by default), so that the cpu backend's GEMM can use fused multiply-add
 * (src/tensor/backends/cpu/kernels.ts).
 */
import { spawn } from 'node:child_process';

/** The glibc allocator settings the commands run under (see above). */
export const ALLOCATOR_TUNABLES =
  'glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295';

/** The Node flags that give this process relaxed SIMD: one flag before Node 22, none after. */
export function relaxedSimdNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  const flag = '--experimental-wasm-relaxed-simd';
  const major = Number(process.versions.node.split('.')[0]);
  return major < 22 && !execArgv.includes(flag) ? [flag] : [];
}

/**
 * Re-runs this command in a child process with the allocator settings and
 * returns true (the caller must then do nothing else); returns false when
 * this process should do the work itself.
 */
export function relaunchWithAllocatorSettings(): boolean {
  if (process.platform !== 'linux' || process.env.GLIBC_TUNABLES || process.env.LPL_NO_RELAUNCH) return false;
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...relaxedSimdNodeFlags(), ...process.argv.slice(1)],
    {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, GLIBC_TUNABLES: ALLOCATOR_TUNABLES },
      // its own process group, so that a terminal's Ctrl-C reaches the child once, through this process
      detached: true,
    },
  );
  // Every SIGINT/SIGTERM (Ctrl-C, kill PID) is passed on to the child, which decides what to do.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1));
  });
  return true;
}

/** In the re-launched child: stop at once if the parent dies (e.g. kill -9), as the parent would have. */
export function exitWithParent(): void {
  if (!process.send) return;
  process.on('disconnect', () => process.exit(137));
  process.channel?.unref(); // the channel alone must not keep the process alive
}
