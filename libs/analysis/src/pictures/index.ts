export { axialMosaic, coronalView, keyLines } from './render.js';
export { drawText } from './font.js';
export { sliceStack, SLICE_STACK_MAGIC, type SliceStackHeader } from './slices.js';
