import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Real server processes over PostgreSQL start and answer slower than over a SQLite file.
    testTimeout: process.env.YMCHAT_TEST_DIALECT === 'postgres' ? 90_000 : 30_000,
    hookTimeout: process.env.YMCHAT_TEST_DIALECT === 'postgres' ? 90_000 : 30_000,
    reporters: ['default'],
  },
});
