import type { Command } from 'commander';

// `mic deid` (DICOM core, de-identification).
export function registerDeid(_program: Command): void {}
