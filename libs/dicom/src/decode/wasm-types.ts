export interface FrameInfoOut {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

/** The embind decoder classes the cornerstone codecs export. */
export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfoOut;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}

export interface WasmCodecModule {
  J2KDecoder?: new () => WasmDecoder;
  JpegLSDecoder?: new () => WasmDecoder;
  JPEGDecoder?: new () => WasmDecoder;
}

/** The default export of each codec's `decodewasmjs` entry: an Emscripten module factory. */
export type CodecFactory = (module?: {
  print?: (s: string) => void;
  printErr?: (s: string) => void;
}) => Promise<WasmCodecModule>;
