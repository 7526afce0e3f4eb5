import { loopSuite } from './suite.js';

loopSuite('sqlite');
