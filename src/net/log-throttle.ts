// A log that a flood cannot flood: at most `perSecond` lines a second, then one line saying
// how many more there were.

export class LogThrottle {
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly log: (line: string) => void,
    private readonly perSecond: number,
    /** What the suppressed lines were, e.g. 'rejected frames': "12 more rejected frames not logged". */
    private readonly what: string,
  ) {}

  line(text: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) this.log(`${this.suppressed} more ${this.what} not logged`);
      this.windowStart = now;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (this.logged < this.perSecond) {
      this.logged++;
      this.log(text);
    } else {
      this.suppressed++;
    }
  }
}
