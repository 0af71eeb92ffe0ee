import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Where widget screenshots go, for a person to look at. */
export const SHOTS = process.env.SCREENSHOT_DIR ?? path.join(os.tmpdir(), 'liveticker-shots');

/** Debian's headless Chromium, driven by playwright-core (no downloaded browser). */
export async function launchBrowser(): Promise<Browser> {
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update'],
  });
}
