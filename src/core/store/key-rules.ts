/** Rules both store backends enforce the same way, so a test on one holds for the other. */
const NAMESPACE = /^[A-Za-z][A-Za-z0-9_-]*$/

/** Namespaces are plain words, so they never collide with each other or with the atomic keys. */
export function assertNamespace(namespace: string): void {
  if (!NAMESPACE.test(namespace)) {
    throw new Error(`store namespace must be a plain word ([A-Za-z][A-Za-z0-9_-]*), got "${namespace}"`)
  }
}

export function assertIntegerAmount(amount: number): void {
  if (!Number.isSafeInteger(amount)) {
    throw new Error(`store counters take integers (count money in micro-dollars), got ${amount}`)
  }
}

export function assertTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error(`ttlMs must be a positive number, got ${ttlMs}`)
}
