/**
 * GEMM blocking sizes, shared by the packers, the drivers and the kernels.
 *
 * MR × NR is the register tile of the micro-kernel (wasm-gemm.ts): 4 rows ×
 * 8 columns = 8 f32x4 accumulators, which with the B vectors and the splat
 * fits the 16 SIMD registers of x86-64 (measured best of 3..8 × 8..16 here).
 * KC × NR floats of a B panel (12 KiB) stay in L1, an MC × KC block of A
 * (192 KiB) in L2, a KC × NC block of B (3 MiB) in L3. K is cut into equal
 * blocks of at most KC (gemm.ts), so that no block is much shorter.
 */
export const MR = 4;
export const NR = 8;
export const KC = 384;
export const MC = 128;
export const NC = 2048;

export const roundUp = (n: number, multiple: number): number => Math.ceil(n / multiple) * multiple;

/** Floats of packing scratch one thread needs: an A block and a B block. */
export const SCRATCH_PER_THREAD = MC * KC + KC * NC;
