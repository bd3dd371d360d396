/** Bounds of an install's parameters, apart from install.ts so a cmdlet's help states them without loading the install. */

/** Layers downloaded and imported at once, at most: each download holds a connection, a file and an importer pipeline; thousands exhaust the process. */
export const MAX_CONCURRENT_DOWNLOADS = 32;
