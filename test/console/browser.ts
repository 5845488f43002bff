/** Shared by the browser test: Debian's chromium through playwright-core, never a download. */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { quickSkip } from '../tiers.js';

export const CHROMIUM = process.env.SANSO_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. */
export function browserMissing(): string | null {
  return quickSkip('the Chromium tests') ?? (existsSync(CHROMIUM) ? null : `no chromium at ${CHROMIUM} (apt-get install chromium, or set SANSO_CHROMIUM)`);
}

/**
 * One headless chromium. playwright gives every launch a fresh temporary profile (its own
 * user-data-dir, removed on close), so nothing of a previous run or of the machine leaks in.
 */
export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
