import type { Command } from 'commander';

// `mic stack up|down|status` (local stack).
export function registerStack(_program: Command): void {}
