import type { AnalysisReport, Reading } from '@mic/analysis';
import type { DerivedUids } from './analyse.js';
import type { OriginalPatient, OriginalStudy } from './identity.js';

/** What the analysis thread gets at start; the instances follow as messages (InputMessage) while they load. */
export interface ThreadInput {
  seriesUid: string;
  method: string;
  /** UIDs of the de-identified SEG/SR kept in the object store. */
  uids: DerivedUids;
  /** Also write SEG/SR with the original identifiers (for the write-back). */
  restore: boolean;
  /** Largest series (voxels) analysed; a larger one is refused before decoding, not left to exhaust the memory. */
  maxVoxels: number;
  /** The patient's analysed CT before this one: the SR then says what changed since (null: none). */
  prior?: { reading: Reading; days: number | null } | null;
}

/** One loaded instance (its bytes transferred) at its place in the job's order, then the end of the instances. */
export type InputMessage =
  { type: 'input'; index: number; name: string; bytes: Uint8Array } | { type: 'inputs-end'; count: number };

/** The original identifiers, sent to the thread once it asked for them. */
export type RestoreReply =
  | { type: 'restore'; uids: [string, string][]; patient: OriginalPatient; study: OriginalStudy; derived: DerivedUids }
  | { type: 'restore'; error: string };

export type ThreadMessage =
  | { type: 'stage'; stage: string; index: number; count: number }
  | { type: 'need'; uids: string[]; patient: string }
  | {
      type: 'done';
      report: AnalysisReport;
      /** De-identified outputs for the object store. */
      files: Record<string, Uint8Array>;
      /** The SR's "change since the prior CT", when there was a prior. */
      changeSincePrior?: string;
      /** SEG/SR with original identifiers, when asked for. */
      restored?: { seg: Uint8Array; sr: Uint8Array; uids: DerivedUids; studyUid: string };
    }
  | { type: 'error'; message: string; code: string; name: string };
