/**
 * The postal adapter takes no payment notices: VNPost asks for no fees through the hub (its tracking
 * has no payment-requested code; postage is settled as PostagePaidBy says). A notice addressed to it
 * is a mapping error naming the step, through the gateway too, and its simulator has no payment path.
 */
import t from 'tap'
import { postalAdapter } from '../../../adapters/postal/index.ts'
import { dialects } from '../../../scripts/simulators/dialects.ts'
import { gatewaysOf } from '../../../src/runtime.ts'
import { notice, paymentContext } from '../payment-cases.ts'

const n = notice('000.31.35.H56-261120-0042', 'return', 'EB123456785VN', [{ name: 'Cước', amount: 22_000 }])
const ctx = { ...paymentContext('vnpost', 'birth-registration', { id: 'return', stage: 2, lead: false }), agencyCode: 'C038000123' }

t.test('a payment notice to VNPost is a mapping error, named', async (t) => {
  t.throws(() => postalAdapter.payment(n, ctx), { name: 'AdapterMappingError', message: /VNPost takes no payment notices.*LT261203K7M2Q9X4ZA.*000\.31\.35\.H56-261120-0042.*step return/ })
  t.throws(() => gatewaysOf().get('postal')?.payment(n, ctx), { name: 'AdapterMappingError' }, 'through the gateway too')
  t.equal(postalAdapter.nativeSchemas.payment, undefined, 'no payment schema')
  t.equal(dialects.postal?.paid, undefined, 'the simulated post office has no payment path')
})
