/**
 * For the webgpu tests: they run on Mesa's lavapipe (Vulkan on the CPU), which CI installs from
 * bookworm-backports (.ci/run). Without it they fail, naming what to install, instead of skipping.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpuAdapter } from '../../protocol/events';
import { runTrainer } from './helpers';

/** Mesa warns on every process without a runtime folder. */
export const GPU_ENV = { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? mkdtempSync(join(tmpdir(), 'moe-lens-xdg-')) };

const INSTALL_LAVAPIPE =
  "the webgpu tests need Mesa's lavapipe from bookworm-backports: " +
  "echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list && " +
  'apt-get update && apt-get install -y -t bookworm-backports mesa-vulkan-drivers (as .ci/run does)';

let found: GpuAdapter | undefined;

/** The software adapter these tests run on; fails the test with the install command when there is none. */
export function requireLavapipe(): GpuAdapter {
  if (found) return found;
  const listed = runTrainer(['--list-adapters'], GPU_ENV);
  let adapters: GpuAdapter[] = [];
  try {
    adapters = (JSON.parse(listed.stdout) as { adapters: GpuAdapter[] }).adapters;
  } catch {
    assert.fail(`trainer --list-adapters printed no JSON (exit ${listed.code}): ${listed.stderr.slice(0, 500)}`);
  }
  const lavapipe = adapters.find((a) => a.software && /llvmpipe|lavapipe/i.test(`${a.description} ${a.device}`));
  assert.ok(
    lavapipe,
    `no lavapipe adapter (found: ${JSON.stringify(adapters)}; ${listed.stdout.trim()}): ${INSTALL_LAVAPIPE}`,
  );
  found = lavapipe;
  return lavapipe;
}
