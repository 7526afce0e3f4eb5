import { alertSuite } from './suite.js';

alertSuite('sqlite');
