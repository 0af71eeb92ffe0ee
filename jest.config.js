/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/schemas', '<rootDir>/server', '<rootDir>/client-sdk'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testTimeout: 60000,
  setupFilesAfterEnv: ['<rootDir>/test/helpers/stray-errors.ts'],
  // Tests run the sources; the packages' "main" points at their build (npm run build).
  moduleNameMapper: {
    '^@liveticker/schemas$': '<rootDir>/schemas/src/index.ts',
    '^@liveticker/schemas/wire$': '<rootDir>/schemas/src/wire.ts',
    '^@liveticker/schemas/card-text$': '<rootDir>/schemas/src/card-text.ts',
    '^@liveticker/server$': '<rootDir>/server/src/index.ts',
    '^@liveticker/client-sdk$': '<rootDir>/client-sdk/src/index.ts',
  },
};
