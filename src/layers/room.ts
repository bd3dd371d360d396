/**
 * Takes `bytes` of the room above the store's free-space reserve before they are written, or
 * rejects with NO_SPACE; `detail` says what the bytes were for. Unpacking and merging take room
 * through it for what the tar's own bytes do not count; src/content/free-space.ts makes one.
 */
export type TakeRoom = (bytes: number, detail?: string) => Promise<void> | void;
