// Minimal typings for the WebAssembly codecs (the packages ship none usable from NodeNext).
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  export default factory;
  const factory: import('./wasm-types.js').CodecFactory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  export default factory;
  const factory: import('./wasm-types.js').CodecFactory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  export default factory;
  const factory: import('./wasm-types.js').CodecFactory;
}
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  }
}
