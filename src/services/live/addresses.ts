/** How many streams each client address holds open, refused past `max`. */
export class AddressCap {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes one stream for `address`, or false when it already holds `max`. */
  take(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (n >= this.max) return false;
    this.open.set(address, n + 1);
    return true;
  }

  give(address: string): void {
    const n = (this.open.get(address) ?? 1) - 1;
    if (n <= 0) this.open.delete(address);
    else this.open.set(address, n);
  }
}
