export type DicomErrorCode =
  | 'NOT_DICOM'
  | 'TRUNCATED'
  | 'BAD_LENGTH'
  | 'BAD_VALUE'
  | 'NO_PIXEL_DATA'
  | 'UNSUPPORTED_TRANSFER_SYNTAX'
  | 'DECODE_FAILED'
  | 'NO_IMAGES'
  | 'INCONSISTENT_SERIES';

export type NiftiErrorCode = 'NOT_NIFTI' | 'TRUNCATED' | 'UNSUPPORTED';

/** An expected failure with a machine-readable code; `message` is one line starting with the code. */
class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(`${code}: ${message.split('\n')[0]}`);
    this.name = new.target.name;
  }
}

/** Malformed or unsupported DICOM input. */
export class DicomError extends CodedError<DicomErrorCode> {}

/** Malformed or unsupported NIfTI-1 input (or a volume NIfTI-1 cannot hold). */
export class NiftiError extends CodedError<NiftiErrorCode> {}
