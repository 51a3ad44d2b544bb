import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['hub/**/*.test.ts', 'printers/**/*.test.ts', 'scripts/**/*.test.ts', 'clients/**/*.test.ts'],
    // Integration tests spawn real hub processes; keep the 2-core machine from thrashing.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
