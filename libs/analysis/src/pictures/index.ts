export { axialMosaic, coronalView, keyLines } from './render.js';
export { drawText } from './font.js';
