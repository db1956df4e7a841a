/** Runs a callback at most once per animation frame however often it is requested. */
export function perFrame(callback: () => void): () => void {
  let requested = false;
  return () => {
    if (requested) return;
    requested = true;
    requestAnimationFrame(() => {
      requested = false;
      callback();
    });
  };
}
