import {
  codeItem,
  newUid,
  patientStudyModules,
  writeDataset,
  type AlgorithmIdentification,
  type Code,
  type PatientStudy,
} from '../write/common.js';
import { SEG_SOP_CLASS_UID, type SourceSlice } from '../seg/write-seg.js';
import { code, container, DCM, observerContext, srDocumentModules, text, uidref, type Item } from './items.js';

export const COMPREHENSIVE_3D_SR_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.88.34';

const MIC = (value: string, meaning: string): Code => ({ value, scheme: '99MIC', meaning });

/** Concepts used by the report; `99MIC` marks project-local codes where no standard concept exists. */
export const SR_CODES = {
  volume: { value: '118565006', scheme: 'SCT', meaning: 'Volume' },
  percentOfLung: MIC('MIC001', 'Percentage of lung volume affected'),
  severityScore: MIC('MIC002', 'CT severity score'),
  changeSincePrior: MIC('MIC004', 'Change since the prior CT'),
  qualitativeEvaluations: { value: 'C0034375', scheme: 'UMLS', meaning: 'Qualitative Evaluations' },
  typicality: MIC('MIC003', 'COVID-19 pneumonia CT appearance'),
  milliliter: { value: 'ml', scheme: 'UCUM', meaning: 'milliliter' },
  percent: { value: '%', scheme: 'UCUM', meaning: 'percent' },
  noUnits: { value: '1', scheme: 'UCUM', meaning: 'no units' },
  ctProcedure: { value: '77477000', scheme: 'SCT', meaning: 'Computerized axial tomography' },
} as const satisfies Record<string, Code>;

/** RSNA expert consensus categories for COVID-19 pneumonia on CT. */
export const TYPICALITY = {
  typical: MIC('MIC010', 'Typical appearance'),
  indeterminate: MIC('MIC011', 'Indeterminate appearance'),
  atypical: MIC('MIC012', 'Atypical appearance'),
  negative: MIC('MIC013', 'Negative for pneumonia'),
} as const satisfies Record<string, Code>;

/** Measurements of one SEG segment (a TID 1411 volumetric measurement group). */
export interface SegmentMeasurement {
  segmentNumber: number;
  /** Tracking identifier, e.g. the segment label. */
  label: string;
  /** What the segment is (its segmented property type). */
  finding: Code;
  findingSite?: Code;
  volumeMl: number;
  percentOfLung?: number;
  severityScore?: number;
}

export interface WriteSrInput {
  source: PatientStudy & { seriesInstanceUid: string; slices: SourceSlice[] };
  seg: { sopInstanceUid: string; seriesInstanceUid: string };
  measurements: {
    segments: SegmentMeasurement[];
    /** Whole-lung severity score (e.g. 0-25). */
    severityScore?: number;
    typicality?: Code | string;
    /** The change since the patient's CT before, in words (a TEXT item under Qualitative Evaluations). */
    changeSincePrior?: string;
  };
  algorithm: AlgorithmIdentification;
  seriesNumber?: number;
  sopInstanceUid?: string;
  seriesInstanceUid?: string;
  /** Device observer UID; stable per algorithm deployment when given. */
  deviceObserverUid?: string;
  now?: Date;
}

const num = (concept: Code, value: number, units: Code, algorithm: AlgorithmIdentification): Item => {
  if (!Number.isFinite(value)) throw new RangeError(`${concept.meaning} is not a finite number`);
  return {
    RelationshipType: 'CONTAINS',
    ValueType: 'NUM',
    ConceptNameCodeSequence: [codeItem(concept)],
    MeasuredValueSequence: [
      { NumericValue: Number(value.toPrecision(10)), MeasurementUnitsCodeSequence: [codeItem(units)] },
    ],
    ContentSequence: algorithmItems(algorithm),
  };
};

function algorithmItems(algorithm: AlgorithmIdentification): Item[] {
  return [
    text('HAS CONCEPT MOD', DCM('111001', 'Algorithm Name'), algorithm.name),
    text('HAS CONCEPT MOD', DCM('111003', 'Algorithm Version'), algorithm.version),
    ...(algorithm.parameters
      ? [text('HAS CONCEPT MOD', DCM('111002', 'Algorithm Parameters'), algorithm.parameters)]
      : []),
  ];
}

function segmentGroup(m: SegmentMeasurement, input: WriteSrInput): Item {
  const children: Item[] = [
    text('HAS OBS CONTEXT', DCM('112039', 'Tracking Identifier'), m.label),
    uidref('HAS OBS CONTEXT', DCM('112040', 'Tracking Unique Identifier'), newUid()),
    code('CONTAINS', DCM('121071', 'Finding'), m.finding),
    {
      RelationshipType: 'CONTAINS',
      ValueType: 'IMAGE',
      ConceptNameCodeSequence: [codeItem(DCM('121191', 'Referenced Segment'))],
      ReferencedSOPSequence: [
        {
          ReferencedSOPClassUID: SEG_SOP_CLASS_UID,
          ReferencedSOPInstanceUID: input.seg.sopInstanceUid,
          ReferencedSegmentNumber: m.segmentNumber,
        },
      ],
    },
    uidref('CONTAINS', DCM('121232', 'Source series for segmentation'), input.source.seriesInstanceUid),
  ];
  if (m.findingSite)
    children.push(
      code('HAS CONCEPT MOD', { value: '363698007', scheme: 'SCT', meaning: 'Finding Site' }, m.findingSite),
    );
  children.push(num(SR_CODES.volume, m.volumeMl, SR_CODES.milliliter, input.algorithm));
  if (m.percentOfLung !== undefined)
    children.push(num(SR_CODES.percentOfLung, m.percentOfLung, SR_CODES.percent, input.algorithm));
  if (m.severityScore !== undefined)
    children.push(num(SR_CODES.severityScore, m.severityScore, SR_CODES.noUnits, input.algorithm));
  return container('CONTAINS', DCM('125007', 'Measurement Group'), children);
}

function wholeLungGroup(input: WriteSrInput): Item | undefined {
  const { severityScore, typicality } = input.measurements;
  if (severityScore === undefined && typicality === undefined) return undefined;
  const children: Item[] = [
    text('HAS OBS CONTEXT', DCM('112039', 'Tracking Identifier'), 'Both lungs'),
    uidref('HAS OBS CONTEXT', DCM('112040', 'Tracking Unique Identifier'), newUid()),
  ];
  if (severityScore !== undefined)
    children.push(num(SR_CODES.severityScore, severityScore, SR_CODES.noUnits, input.algorithm));
  if (typicality !== undefined)
    children.push(
      typeof typicality === 'string'
        ? text('CONTAINS', SR_CODES.typicality, typicality)
        : code('CONTAINS', SR_CODES.typicality, typicality),
    );
  return container('CONTAINS', DCM('125007', 'Measurement Group'), children);
}

/**
 * Writes a TID 1500 Imaging Measurement Report (Comprehensive 3D SR): one TID 1411 measurement group per SEG
 * segment (volume in ml, percentage, score) and a whole-lung group (severity score, typicality).
 */
export function writeSr(input: WriteSrInput): { bytes: Uint8Array; sopInstanceUid: string; seriesInstanceUid: string } {
  const { source, seg } = input;
  if (input.measurements.segments.length === 0) throw new RangeError('no segment measurements to report');
  const sopInstanceUid = input.sopInstanceUid ?? newUid();
  const seriesInstanceUid = input.seriesInstanceUid ?? newUid();
  const imageLibrary = container('CONTAINS', DCM('111028', 'Image Library'), [
    container(
      'CONTAINS',
      DCM('126200', 'Image Library Group'),
      source.slices.map((s) => ({
        RelationshipType: 'CONTAINS',
        ValueType: 'IMAGE',
        ReferencedSOPSequence: [{ ReferencedSOPClassUID: s.sopClassUid, ReferencedSOPInstanceUID: s.sopInstanceUid }],
      })),
    ),
  ]);
  const groups = input.measurements.segments.map((m) => segmentGroup(m, input));
  const whole = wholeLungGroup(input);
  if (whole) groups.push(whole);
  const root = container(undefined, DCM('126000', 'Imaging Measurement Report'), [
    code('HAS CONCEPT MOD', DCM('121049', 'Language of Content Item and Descendants'), {
      value: 'eng',
      scheme: 'RFC5646',
      meaning: 'English',
    }),
    ...observerContext(input.algorithm, input.deviceObserverUid),
    code('HAS CONCEPT MOD', DCM('121058', 'Procedure reported'), SR_CODES.ctProcedure),
    imageLibrary,
    container('CONTAINS', DCM('126010', 'Imaging Measurements'), groups),
    ...(input.measurements.changeSincePrior
      ? [
          container('CONTAINS', SR_CODES.qualitativeEvaluations, [
            text('CONTAINS', SR_CODES.changeSincePrior, input.measurements.changeSincePrior),
          ]),
        ]
      : []),
  ]);
  const dataset: Item = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: COMPREHENSIVE_3D_SR_SOP_CLASS_UID,
    SOPInstanceUID: sopInstanceUid,
    ...patientStudyModules(source),
    ...srDocumentModules({
      uid: seriesInstanceUid,
      number: input.seriesNumber ?? 301,
      description: `${input.algorithm.name} measurements`,
      now: input.now ?? new Date(),
    }),
    CurrentRequestedProcedureEvidenceSequence: [
      {
        StudyInstanceUID: source.studyInstanceUid,
        ReferencedSeriesSequence: [
          {
            SeriesInstanceUID: source.seriesInstanceUid,
            ReferencedSOPSequence: source.slices.map((s) => ({
              ReferencedSOPClassUID: s.sopClassUid,
              ReferencedSOPInstanceUID: s.sopInstanceUid,
            })),
          },
          {
            SeriesInstanceUID: seg.seriesInstanceUid,
            ReferencedSOPSequence: [
              { ReferencedSOPClassUID: SEG_SOP_CLASS_UID, ReferencedSOPInstanceUID: seg.sopInstanceUid },
            ],
          },
        ],
      },
    ],
    CodingSchemeIdentificationSequence: [
      {
        CodingSchemeDesignator: '99MIC',
        CodingSchemeName: 'mic local codes',
        CodingSchemeResponsibleOrganization: 'mic',
      },
    ],
    ...root,
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
  };
  return { bytes: writeDataset(dataset), sopInstanceUid, seriesInstanceUid };
}
