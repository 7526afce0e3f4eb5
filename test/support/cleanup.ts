/** vitest setup file: each test file's temp folders go when its tests are done (its own afterAll hooks run first). */
import { afterAll } from 'vitest';
import { removeTempDirs } from './processes.js';
import { removeTempDirs as removeDeviceTempDirs } from '../device/helpers.js';

afterAll(() => {
  removeTempDirs();
  removeDeviceTempDirs();
});
