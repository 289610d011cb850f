import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Live and lab tests share network namespaces and keepalived: never run two files at once.
    fileParallelism: false,
  },
});
