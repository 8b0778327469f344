/** The simulated system of an agency on the generic adapter: canonical JSON both ways (npm run agencies). */
import type { GenericRequest } from './native.generated.ts'
import { PAYMENT_PATH as GENERIC_PAYMENT, SUPPLEMENT_PATH as GENERIC_SUPPLEMENT, WITHDRAWAL_PATH as GENERIC_WITHDRAWAL } from './index.ts'
import { code, objectOf, papers, sequence, text, type Dialect, paymentIntake, isObject, reusedPapers } from '../shared/simulator.ts'

const GENERIC_WITHDRAWAL_FORMAT = 'a withdrawal notice (generic-withdrawal: type withdrawal, dossierCode, step …)'
const GENERIC_PAYMENT_FORMAT = 'a payment notice (generic-payment: type payment, dossierCode, step, reference, amount, lines …)'
const GENERIC_SUPPLEMENT_FORMAT = 'a supplement notice (generic-supplement: type supplement, dossierCode, step, sequence, attachments …)'

export const genericSimulator: Dialect = {
  parse: (body) => {
    const b = body as GenericRequest
    if (typeof b?.dossier?.code !== 'string') throw new Error('expected { step, dossier } with dossier.code')
    const reused = reusedPapers(b.dossier.attachments, 'dossier.attachments', 'a generic request', (p) => p.reused !== undefined, (p) => isObject(p.reused) ? p.reused.documentId : undefined)
    return { code: b.dossier.code, step: b.step.id, kind: b.step.task ?? b.dossier.procedure.name, ...(reused.length > 0 && { reused }) }
  },
  withdrawalPath: GENERIC_WITHDRAWAL,
  parseWithdrawal: (body) => {
    const b = objectOf(body, GENERIC_WITHDRAWAL_FORMAT)
    code(b, 'type', ['withdrawal'], GENERIC_WITHDRAWAL_FORMAT)
    return { code: text(b, 'dossierCode', GENERIC_WITHDRAWAL_FORMAT), step: text(b, 'step', GENERIC_WITHDRAWAL_FORMAT) }
  },
  supplement: {
    path: GENERIC_SUPPLEMENT,
    parse: (body) => {
      const b = objectOf(body, GENERIC_SUPPLEMENT_FORMAT)
      code(b, 'type', ['supplement'], GENERIC_SUPPLEMENT_FORMAT)
      papers(b, 'attachments', GENERIC_SUPPLEMENT_FORMAT)
      const reused = reusedPapers(b.attachments, 'attachments', GENERIC_SUPPLEMENT_FORMAT, (p) => p.reused !== undefined, (p) => isObject(p.reused) ? p.reused.documentId : undefined)
      return { code: text(b, 'dossierCode', GENERIC_SUPPLEMENT_FORMAT), step: text(b, 'step', GENERIC_SUPPLEMENT_FORMAT), sequence: sequence(b, 'sequence', GENERIC_SUPPLEMENT_FORMAT), ...(reused.length > 0 && { reused }) }
    }
  },
  paid: paymentIntake(GENERIC_PAYMENT, GENERIC_PAYMENT_FORMAT, { type: { field: 'type', value: 'payment' }, code: 'dossierCode', step: 'step', reference: 'reference', amount: 'amount', lines: 'lines', receiptNumber: 'receiptNumber' }),
  receipt: (receipt) => ({ reference: receipt }),
  results: (d) => [{ name: `Kết quả: ${d.kind ?? 'xử lý hồ sơ'}`, componentCode: 'KQ-01' }],
  event: (_d, report) => ({ report }),
  // a step that determines financial obligations (the tax authority in a land route) issues a notice to pay
  payment: (d) => /nghĩa vụ tài chính|thông báo nộp/i.test(d.kind ?? '')
    ? { amount: 25_000_000, note: 'Thuế thu nhập cá nhân 2%, lệ phí trước bạ 0,5% (mô phỏng)', reference: `TB-${d.code}` }
    : undefined
}
