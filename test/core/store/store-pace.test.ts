import { describe, expect, test } from 'vitest'
import { BACKENDS, storeFixture } from './store-backends.ts'

const T0 = 1_700_000_000_000
const chat = { key: 'chat:telegram:-100', gapMs: 3100 }
const platform = { key: 'platform:telegram', gapMs: 34 }

describe.each(BACKENDS)('shared pacing on %s', (backend) => {
  const fixture = storeFixture(backend)

  test('a bucket gives one call per gap, to whichever process asks first', async () => {
    const location = fixture.location()
    const [a, b] = [await location.open(), await location.open()]
    expect(await a.takeCall([chat, platform], T0)).toBe(0)
    expect(await b.takeCall([chat, platform], T0 + 1000)).toBe(2100)
    expect(await b.takeCall([chat, platform], T0 + 3100)).toBe(0)
    expect(await a.takeCall([chat, platform], T0 + 3110)).toBe(3090)
  })

  test('nothing is taken from any bucket unless every one has its call', async () => {
    const location = fixture.location()
    const [a, b] = [await location.open(), await location.open()]
    const other = { key: 'chat:telegram:-200', gapMs: 3100 }
    expect(await a.takeCall([chat, platform], T0)).toBe(0)
    // The platform's call is not spent yet: the other chat gets it as soon as it refills.
    expect(await b.takeCall([other, platform], T0 + 10)).toBe(24)
    expect(await b.takeCall([other, platform], T0 + 34)).toBe(0)
  })

  test('a hold (a 429) keeps every process out of the bucket until it ends', async () => {
    const location = fixture.location()
    const [a, b] = [await location.open(), await location.open()]
    expect(await a.takeCall([chat], T0)).toBe(0)
    await a.holdCalls(chat.key, T0 + 5000, T0 + 100)
    expect(await b.takeCall([chat], T0 + 3200)).toBe(1800)
    // A shorter hold later does not shorten the running one.
    await b.holdCalls(chat.key, T0 + 4000, T0 + 3300)
    expect(await b.takeCall([chat], T0 + 4500)).toBe(500)
    expect(await a.takeCall([chat], T0 + 5000)).toBe(0)
  })
})
