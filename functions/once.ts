// A module of its own, free of imports: code that must not load the wiring (and the SDK with it)
// at its cold start uses it too (functions/auth/live-key-check.ts, the authorizer).

/** Builds once, on first use; a failed build is not kept, so the next call tries again. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    if (!built) {
      const attempt = build();
      built = attempt;
      attempt.catch(() => {
        if (built === attempt) built = undefined;
      });
    }
    return built;
  };
}
