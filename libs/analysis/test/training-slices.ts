import { readFileSync } from 'node:fs';
import { decodeGray, decodeLabels } from '../src/index.js';
import { dataPath } from '../../../test/support/data.js';

export const TRAIN = ['infnet-covid-semiseg', 'TrainingSet', 'MultiClassInfection-Train'];

/** One labelled Inf-Net training slice: the windowed image and its labels 0/1/2. */
export function labelled(id: string) {
  const img = decodeGray(readFileSync(dataPath(...TRAIN, 'Imgs', `${id}.jpg`)));
  const truth = decodeLabels(readFileSync(dataPath(...TRAIN, 'GT', `${id}.png`))).pixels;
  return { img, truth };
}
