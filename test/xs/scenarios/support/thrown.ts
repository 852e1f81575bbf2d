/**
 * Engines word error messages differently, so scenarios compare only which
 * kind of error was thrown.
 */
export function thrownKind(action: () => unknown): string {
  try {
    action();
    return "no throw";
  } catch (error) {
    if (error instanceof RangeError) return "RangeError";
    if (error instanceof TypeError) return "TypeError";
    if (error instanceof ReferenceError) return "ReferenceError";
    if (error instanceof SyntaxError) return "SyntaxError";
    return error instanceof Error ? "Error" : "non-Error";
  }
}
