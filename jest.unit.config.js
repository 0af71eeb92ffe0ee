/**
 * The unit tests alone (`npm run test:unit`, and Stryker's test runner): pure state machines and
 * small modules, no server, no database. The root jest.config.js runs them too, with everything else.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/unit'],
  // A unit test that needs more than this is not a unit test.
  testTimeout: 5000,
};
