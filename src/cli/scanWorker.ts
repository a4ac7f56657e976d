// The CLI's scanning thread (scanThread.ts) as a script of its own: a bundle of the scanner
// alone, which a new thread loads in a few ms, where the whole CLI takes tens of ms.

import { runScanWorker } from './scanThread';

runScanWorker();
