import type { Command } from 'commander';

// `mic dicom info|to-nifti` and `mic deid` (DICOM core).
export function registerDicom(_program: Command): void {}
