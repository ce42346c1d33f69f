// ESM + ts-jest: imports keep their `.js` suffix in source; the resolver maps them to `.ts`.
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  resolver: 'ts-jest-resolver',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }]
  },
  testTimeout: 30000,
  // The e2e suites mostly wait (on child processes, on the revocation's confirmation): run four files
  // at a time even on two cores.
  maxWorkers: 4
}
