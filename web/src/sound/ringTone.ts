/**
 * The ring, generated in the page with WebAudio (no sound file to serve): two short bursts of
 * a 440 + 480 Hz pair every 3 seconds, like a telephone. start() is idempotent; stop() silences.
 */
export class RingTone {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  /** Call from a user gesture (the login click) so the browser lets the page play sound. */
  unlock(): void {
    if (this.context === null && typeof AudioContext !== 'undefined') this.context = new AudioContext();
    void this.context?.resume().catch(() => {});
  }

  start(): void {
    if (this.timer !== null) return;
    this.unlock();
    this.burst();
    this.timer = setInterval(() => this.burst(), 3000);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get ringing(): boolean {
    return this.timer !== null;
  }

  private burst(): void {
    const ctx = this.context;
    if (ctx === null) return;
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    for (const frequency of [440, 480]) {
      const osc = ctx.createOscillator();
      osc.frequency.value = frequency;
      osc.connect(gain);
      osc.start();
      osc.stop(ctx.currentTime + 1.2);
    }
    const t = ctx.currentTime;
    gain.gain.setValueAtTime(0.15, t);
    gain.gain.setValueAtTime(0, t + 0.4);
    gain.gain.setValueAtTime(0.15, t + 0.6);
    gain.gain.setValueAtTime(0, t + 1.0);
  }
}
