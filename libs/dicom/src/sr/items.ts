import {
  codeItem,
  dicomDateTime,
  MANUFACTURER,
  newUid,
  type AlgorithmIdentification,
  type Code,
} from '../write/common.js';

// Content items of an SR document tree, as naturalised dcmjs datasets.
export const DCM = (value: string, meaning: string): Code => ({ value, scheme: 'DCM', meaning });

export type Item = Record<string, unknown>;

export const container = (rel: string | undefined, concept: Code, children: Item[]): Item => ({
  ...(rel ? { RelationshipType: rel } : {}),
  ValueType: 'CONTAINER',
  ConceptNameCodeSequence: [codeItem(concept)],
  ContinuityOfContent: 'SEPARATE',
  ContentSequence: children,
});
export const text = (rel: string, concept: Code, value: string): Item => ({
  RelationshipType: rel,
  ValueType: 'TEXT',
  ConceptNameCodeSequence: [codeItem(concept)],
  TextValue: value,
});
export const code = (rel: string, concept: Code, value: Code): Item => ({
  RelationshipType: rel,
  ValueType: 'CODE',
  ConceptNameCodeSequence: [codeItem(concept)],
  ConceptCodeSequence: [codeItem(value)],
});
export const uidref = (rel: string, concept: Code, uid: string): Item => ({
  RelationshipType: rel,
  ValueType: 'UIDREF',
  ConceptNameCodeSequence: [codeItem(concept)],
  UID: uid,
});

/** TID 1004 device observer: the algorithm that made the document. */
export function observerContext(algorithm: AlgorithmIdentification, deviceObserverUid?: string): Item[] {
  return [
    code('HAS OBS CONTEXT', DCM('121005', 'Observer Type'), DCM('121007', 'Device')),
    uidref('HAS OBS CONTEXT', DCM('121012', 'Device Observer UID'), deviceObserverUid ?? newUid()),
    text('HAS OBS CONTEXT', DCM('121013', 'Device Observer Name'), algorithm.name),
    text('HAS OBS CONTEXT', DCM('121014', 'Device Observer Manufacturer'), MANUFACTURER),
    text('HAS OBS CONTEXT', DCM('121015', 'Device Observer Model Name'), `${algorithm.name} ${algorithm.version}`),
  ];
}

/** SR series, equipment and SR document general modules of a finished, unverified machine report. */
export function srDocumentModules(series: { uid: string; number: number; description: string; now: Date }): Item {
  const { date, time } = dicomDateTime(series.now);
  return {
    Modality: 'SR',
    SeriesInstanceUID: series.uid,
    SeriesNumber: series.number,
    SeriesDescription: series.description,
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: MANUFACTURER,
    InstanceNumber: 1,
    ContentDate: date,
    ContentTime: time,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    PerformedProcedureCodeSequence: [],
  };
}
