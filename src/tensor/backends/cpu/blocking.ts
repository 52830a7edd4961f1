/**
 * GEMM blocking sizes, shared by the packers, the drivers and the kernels.
 *
 * MR × NR is the register tile of the micro-kernel (wasm-gemm.ts): 4 rows ×
 * 8 columns = 8 f32x4 accumulators, which with the B vectors and the splat
 * fits the 16 SIMD registers of x86-64 (measured best of 3..8 × 8..16 here).
 * KC × NR floats of a B panel (8 KiB) stay in L1, an MC × KC block of A
 * (128 KiB) in L2, a KC × NC block of B (2 MiB) in L3.
 */
export const MR = 4;
export const NR = 8;
export const KC = 256;
export const MC = 128;
export const NC = 2048;

export const roundUp = (n: number, multiple: number): number => Math.ceil(n / multiple) * multiple;

/** Floats of packing scratch one thread needs: an A block and a B block. */
export const SCRATCH_PER_THREAD = MC * KC + KC * NC;
