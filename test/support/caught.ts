/** The error `fn` throws (undefined when it returns), for tests that check the error's fields. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
