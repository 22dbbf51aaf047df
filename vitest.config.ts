import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{engine,nodes,server,editor,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
