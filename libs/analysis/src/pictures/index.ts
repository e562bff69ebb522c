export { axialMosaic, coronalView, keyLines } from './render.js';
