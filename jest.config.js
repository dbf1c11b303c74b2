/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only (tsconfig has isolatedModules); `npm test` type-checks the tree once with tsc.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  // Terraform and real-server tests set longer timeouts themselves.
  testTimeout: 20000,
  // Two cores: run test files two at a time.
  maxWorkers: 2,
};
