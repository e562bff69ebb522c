export * from './codec.js';
export * from './calibrate.js';
export * from './lungmask.js';
export * from './segment.js';
export * from './dice.js';
export * from './cv.js';
