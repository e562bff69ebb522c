// Minimal typings for the parts of dcmjs this package uses (dcmjs ships no types).
declare module 'dcmjs' {
  type Dataset = Record<string, unknown>;
  interface DicomDictInstance {
    meta: Dataset;
    dict: Dataset;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  const dcmjs: {
    log: { setLevel(level: string): void };
    data: {
      DicomMessage: {
        readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string }): DicomDictInstance;
      };
      DicomDict: new (meta: Dataset) => DicomDictInstance;
      DicomMetaDictionary: {
        naturalizeDataset(dataset: Dataset): Dataset;
        denaturalizeDataset(dataset: Dataset): Dataset;
        uid(): string;
        dictionary: Record<string, { tag: string; vr: string; vm: string; name: string } | undefined>;
        nameMap: Record<string, { tag: string; vr: string; vm: string; name: string } | undefined>;
      };
    };
  };
  export default dcmjs;
}
