// Where a figure was measured: recorded next to every result.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  commit: string;
  dirty: boolean;
}

/** Once per process: asking git costs two child processes (a tenth of a 15 s sim run's CPU), and explore runs thousands. */
let cached: MachineInfo | undefined;

export function machineInfo(): MachineInfo {
  cached ??= readMachineInfo();
  return { ...cached };
}

function readMachineInfo(): MachineInfo {
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    // not a git checkout
  }
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    commit,
    dirty,
  };
}
