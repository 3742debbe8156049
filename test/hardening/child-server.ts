// Moved to the test kit; kept so that imports of this path still work.
export * from '../support/child-server.ts';
