import { ConfigError, loadConfig } from '../../server/src/config';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ SEED_DEMO: 'false', ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('questions configuration', () => {
  it('defaults to 3 per reader and 10 per address in 600 s, and takes other values', () => {
    expect(loadConfig({ SEED_DEMO: 'false' }).questions).toMatchObject({ perReader: 3, perAddress: 10, windowS: 600 });
    expect(loadConfig({ SEED_DEMO: 'false', QUESTIONS_PER_READER: '5', QUESTIONS_PER_ADDRESS: '50', QUESTIONS_WINDOW_S: '3600' }).questions).toMatchObject({ perReader: 5, perAddress: 50, windowS: 3600 });
  });

  it.each([
    ['QUESTIONS_PER_READER', '0'],
    ['QUESTIONS_PER_READER', 'three'],
    ['QUESTIONS_PER_ADDRESS', '1.5'],
    ['QUESTIONS_PER_ADDRESS', '-1'],
    ['QUESTIONS_WINDOW_S', '0'],
    ['QUESTIONS_WINDOW_S', String(8 * 24 * 3600)],
  ])('refuses %s=%s with one clear line naming it and the value', (key, value) => {
    expect(problems({ [key]: value })).toEqual([expect.stringMatching(new RegExp(`^${key}: .+ \\(got "${value.replace('.', '\\.')}"\\)$`))]);
  });
});
