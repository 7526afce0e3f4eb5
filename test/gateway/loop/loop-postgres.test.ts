import { loopSuite } from './suite.js';

// The same on PostgreSQL: migration 14, the version sequence, scoped lists.
loopSuite('postgres');
