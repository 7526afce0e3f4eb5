import { alertSuite } from './suite.js';

// The same rules, lifecycle and scope on PostgreSQL: its window and baseline SQL, ON CONFLICT on the
// partial unique index, identity ids of comments and events.
alertSuite('postgres');
