import type { Code } from '../write/common.js';

/** Coded concepts for the segments and algorithms this project writes (SNOMED CT and DICOM DCM). */
export const CODES = {
  anatomicalStructure: { value: '123037004', scheme: 'SCT', meaning: 'Anatomical Structure' },
  morphologicallyAbnormalStructure: { value: '49755003', scheme: 'SCT', meaning: 'Morphologically Abnormal Structure' },
  lung: { value: '39607008', scheme: 'SCT', meaning: 'Lung' },
  left: { value: '7771000', scheme: 'SCT', meaning: 'Left' },
  right: { value: '24028007', scheme: 'SCT', meaning: 'Right' },
  // CID 6104 (Abnormal Opacity Finding or Feature)
  groundGlassOpacity: { value: '112120', scheme: 'DCM', meaning: 'Ground glass opacity' },
  lungConsolidation: { value: '95436008', scheme: 'SCT', meaning: 'Lung consolidation' },
  // CID 7162 (Algorithm Family)
  artificialIntelligence: { value: '123110', scheme: 'DCM', meaning: 'Artificial Intelligence' },
} as const satisfies Record<string, Code>;

export interface SegmentKind {
  category: Code;
  type: Code;
  typeModifier?: Code;
  label: string;
}

/** The four segments of a COVID-19 chest CT analysis. */
export const SEGMENT_KINDS = {
  leftLung: { category: CODES.anatomicalStructure, type: CODES.lung, typeModifier: CODES.left, label: 'Left lung' },
  rightLung: { category: CODES.anatomicalStructure, type: CODES.lung, typeModifier: CODES.right, label: 'Right lung' },
  groundGlassOpacity: {
    category: CODES.morphologicallyAbnormalStructure,
    type: CODES.groundGlassOpacity,
    label: 'Ground glass opacity',
  },
  consolidation: {
    category: CODES.morphologicallyAbnormalStructure,
    type: CODES.lungConsolidation,
    label: 'Consolidation',
  },
} as const satisfies Record<string, SegmentKind>;
