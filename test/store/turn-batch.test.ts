/**
 * TurnBatch (src/store/turn-batch.ts): the calls of one turn of the event loop go out together,
 * each caller gets its own answer; a call alone goes out alone; a failed statement fails its turn;
 * a CallFailure answer fails its own call only.
 */
import t from 'tap'
import { CallFailure, TurnBatch } from '../../src/store/turn-batch.ts'

function recorder (): { batch: TurnBatch<number, string>, manys: number[][], ones: number[] } {
  const manys: number[][] = []
  const ones: number[] = []
  const batch = new TurnBatch<number, string>(async (items) => {
    manys.push([...items])
    if (items.includes(13)) throw new Error('thirteen')
    return items.map((n) => `many ${n}`)
  }, async (n) => {
    ones.push(n)
    return `one ${n}`
  })
  return { batch, manys, ones }
}

t.test('the calls of one turn go out as one, each gets its own answer in its place', async (t) => {
  const { batch, manys, ones } = recorder()
  const answers = await Promise.all([3, 1, 2, 5].map(async (n) => await batch.call(n)))
  t.same(answers, ['many 3', 'many 1', 'many 2', 'many 5'])
  t.same(manys, [[3, 1, 2, 5]], 'one call of `many`, in the order of the calls')
  t.same(ones, [])
})

t.test('a call alone in its turn goes out alone; the next turn is a batch of its own', async (t) => {
  const { batch, manys, ones } = recorder()
  t.equal(await batch.call(7), 'one 7')
  const next = await Promise.all([8, 9].map(async (n) => await batch.call(n)))
  t.same(next, ['many 8', 'many 9'])
  t.same(ones, [7])
  t.same(manys, [[8, 9]])
  // calls made while a flush is on its way wait for the next one
  const first = batch.call(10)
  await new Promise((resolve) => setImmediate(resolve))
  const later = await Promise.all([11, 12].map(async (n) => await batch.call(n)))
  t.equal(await first, 'one 10')
  t.same(later, ['many 11', 'many 12'])
})

t.test('a failed statement fails every call of its turn, not the next turn', async (t) => {
  const { batch } = recorder()
  const results = await Promise.allSettled([12, 13].map(async (n) => await batch.call(n)))
  t.same(results.map((r) => r.status), ['rejected', 'rejected'])
  t.match((results[0] as PromiseRejectedResult).reason, { message: 'thirteen' })
  t.same(await Promise.all([14, 15].map(async (n) => await batch.call(n))), ['many 14', 'many 15'])
})

t.test('a CallFailure among the answers fails its own call alone', async (t) => {
  const batch = new TurnBatch<number, string>(async (items) => items.map((n) => n === 2 ? new CallFailure(new Error(`no ${n}`)) : `many ${n}`), async (n) => `one ${n}`)
  const results = await Promise.allSettled([1, 2, 3].map(async (n) => await batch.call(n)))
  t.same(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled'])
  t.same(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value), ['many 1', 'many 3'])
  t.match((results[1] as PromiseRejectedResult).reason, { message: 'no 2' })
})
