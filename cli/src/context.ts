import type { Command } from 'commander';
import { loadConfig, type Config } from '@mic/config';

/** The config for a command, honouring the global --config flag. */
export function configFor(cmd: Command): Config {
  let root = cmd;
  while (root.parent) root = root.parent;
  const file = root.opts<{ config?: string }>().config;
  return loadConfig({ file });
}
