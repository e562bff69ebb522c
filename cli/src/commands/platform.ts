import type { Command } from 'commander';

// `mic studies`, `mic jobs` (pipeline).
export function registerPlatform(_program: Command): void {}
