/**
 * Imports every command module once, for their registerCommand side effect.
 * Add new commands here, one line each.
 */
export {};
