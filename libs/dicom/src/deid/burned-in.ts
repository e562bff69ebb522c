import { asciiValue, type Element } from './elements.js';

const SECONDARY_CAPTURE = new Set([
  '1.2.840.10008.5.1.4.1.1.7',
  '1.2.840.10008.5.1.4.1.1.7.1',
  '1.2.840.10008.5.1.4.1.1.7.2',
  '1.2.840.10008.5.1.4.1.1.7.3',
  '1.2.840.10008.5.1.4.1.1.7.4',
]);
const DOCUMENTS: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.88.67': 'X-Ray Radiation Dose SR (dose report)',
  '1.2.840.10008.5.1.4.1.1.88.68': 'Radiopharmaceutical Radiation Dose SR (dose report)',
  '1.2.840.10008.5.1.4.1.1.88.73': 'Patient Radiation Dose SR (dose report)',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF (free-form document)',
  '1.2.840.10008.5.1.4.1.1.104.2': 'Encapsulated CDA (free-form document)',
};
const DOSE_SCREEN = /\b(dose (report|info|screen)|patient protocol|screen ?save|dose ?sr)\b/i;

/** Why an object probably carries burned-in or free-form identifying text; undefined when it does not. */
export function burnedInReason(dataset: Element[], sopClass: string): string | undefined {
  const get = (tag: number) => asciiValue(dataset.find((e) => e.tag === tag)) ?? '';
  if (get(0x00280301).toUpperCase() === 'YES') return 'Burned In Annotation is YES';
  if (SECONDARY_CAPTURE.has(sopClass)) return 'Secondary Capture image (often a screenshot with burned-in text)';
  if (DOCUMENTS[sopClass]) return DOCUMENTS[sopClass];
  const imageType = get(0x00080008).toUpperCase();
  if (imageType.includes('SCREEN SAVE')) return 'Image Type SCREEN SAVE (screen capture)';
  for (const tag of [0x0008103e, 0x00081030, 0x00181030]) {
    const text = get(tag);
    if (DOSE_SCREEN.test(text)) return `dose screen ("${text}")`;
  }
  return undefined;
}
