import { qualifiedSuite } from './suite.js';

// The same on PostgreSQL: migration 16, the same rollup columns, the same figures.
qualifiedSuite('postgres');
