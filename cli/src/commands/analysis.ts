import type { Command } from 'commander';

// `mic analyze`, `mic segment-slice`, `mic eval-slices` (analysis engine).
export function registerAnalysis(_program: Command): void {}
