import { qualifiedSuite } from './suite.js';

// On a SQLite file, so that the migration case can reopen it.
qualifiedSuite('sqlite');
