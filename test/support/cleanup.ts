/** vitest setup file: each test file's temp folders go when its tests are done (its own afterAll hooks run first). */
import { afterAll } from 'vitest';
import { removeTempDirs } from '../../scripts/lib/temp-dirs.js';

afterAll(removeTempDirs);
