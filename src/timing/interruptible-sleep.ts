/**
 * A sleep that `wake()` cuts short: loops that wait between attempts (the informer's backoff, leader election's
 * retry period) stop at once on shutdown instead of finishing their wait.
 */
export class InterruptibleSleep {
  #wake: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /** Ends the current sleep now, if there is one. */
  wake(): void {
    this.#wake?.();
  }
}
