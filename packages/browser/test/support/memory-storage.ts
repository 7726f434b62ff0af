// localStorage for the unit tests in Node, which has none: the Web Storage interface with the items
// as the object's own properties, as in browsers (the library lists them with Object.keys).
export class MemoryStorage {
  [item: string]: unknown;

  get length(): number { return Object.keys(this).length; }
  key(index: number): string | null { return Object.keys(this)[index] ?? null; }
  getItem(key: string): string | null { return Object.prototype.hasOwnProperty.call(this, key) ? (this[key] as string) : null; }
  setItem(key: string, value: string): void { this[key] = String(value); }
  removeItem(key: string): void { delete this[key]; }
  clear(): void { for (const key of Object.keys(this)) delete this[key]; }
}
