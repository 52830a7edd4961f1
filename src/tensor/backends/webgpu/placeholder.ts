// Temporary: kernels being written. Removed before this lands.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const notYet =
  (name: string) =>
  (..._args: any[]): any => {
    throw new Error(`webgpu: ${name} is not written yet`);
  };
