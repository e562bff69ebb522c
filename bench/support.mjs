// What the pipeline benchmarks share: the default study and free loopback ports for in-process services.
import { createServer } from 'node:net';

/** The 255-slice RICORD chest CT, from the repository root. */
export const RICORD_DIR = '../shared/data/ricord-1a-419639-000082/dicom';

/** A TCP port free on loopback now (the OS picks it). */
export const freePort = () =>
  new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
