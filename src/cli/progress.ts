/**
 * Progress of an epoch: a bar with images/s and ETA on a terminal (cli-progress),
 * plain periodic lines otherwise (logs, CI).
 */
import cliProgress from 'cli-progress';

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private label = '';
  private total = 0;
  private lastLine = 0;
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.tty = Boolean(stream.isTTY);
  }

  start(label: string, total: number, start = 0): void {
    this.label = label;
    this.total = total;
    this.lastLine = performance.now();
    if (this.tty) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${label} |{bar}| {value}/{total} steps | {rate} img/s | loss {loss} | ETA {eta_formatted}`,
          stream: this.stream,
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, start, { rate: '-', loss: '-' });
    }
  }

  update(done: number, info: { rate: number; loss: number }): void {
    const rate = info.rate.toFixed(1);
    const loss = info.loss.toFixed(4);
    if (this.bar) {
      this.bar.update(done, { rate, loss });
      return;
    }
    // Without a terminal: a line every 30 s, and at the end of the epoch.
    const now = performance.now();
    if (now - this.lastLine >= 30_000 || done === this.total) {
      this.lastLine = now;
      this.stream.write(`${this.label}: step ${done}/${this.total}, ${rate} images/s, loss ${loss}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
