import type { Command } from 'commander';

// `mic segment-slice`, `mic eval-slices` (2D lesion segmentation and its evaluation).
export function registerSlices(_program: Command): void {}
