/**
 * The webhook the hub sends to subscribers (delivery/webhook-service.ts), as an OpenAPI 3.1
 * `webhooks` entry: what a portal's receiver must accept and answer. The body is the shared
 * `notification` schema (schemas/notification.schema.json); the headers are those the webhook
 * service, the HTTP client and the signing (outbound-auth.ts) send: test/plugins/openapi.test.ts checks them
 * against a real delivery.
 */
/** How a receiver knows the notification comes from the hub: components.securitySchemes. */
export const webhookSecuritySchemes = {
  hubSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Hub-Signature',
    description: 'Chữ ký — not a fixed key: "sha256=" + hex HMAC-SHA256(the subscriber\'s secret, X-Hub-Timestamp + "." + the raw body). The receiver recomputes it over the exact bytes received, compares in constant time and refuses a timestamp far from its clock (docs/lifecycle.md shows the code).'
  }
} as const

const header = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }): object =>
  ({ name, in: 'header', required: true, description, schema })

const example = {
  id: '000.31.35.H56-261123-0001:3',
  sequence: 3,
  event: 'status-changed',
  dossier: '000.31.35.H56-261123-0001',
  procedure: '1.001193.000.00.00.H56',
  at: '2026-11-24T10:15:02.114+07:00',
  from: { status: 'processing', code: 4, name: 'Đang xử lý' },
  to: { status: 'supplement-requested', code: 5, name: 'Yêu cầu bổ sung giấy tờ' },
  note: 'Bổ sung bản sao giấy chứng sinh',
  actor: { kind: 'agency', id: 'justice' },
  dueAt: '2026-11-30T17:00:00.000+07:00',
  requests: [{ step: 'civil-status', agency: 'justice', missing: [{ name: 'Giấy chứng sinh', note: 'bản chụp mờ' }] }]
}

export const webhooks = {
  'dossier-notification': {
    post: {
      operationId: 'receiveDossierNotification',
      tags: ['webhooks'],
      summary: 'A dossier changed (thông báo thay đổi trạng thái): sent to each subscriber',
      description: 'The hub POSTs one notification per status change, overdue flag and announced delay to each subscriber of hub.json `subscribers` (events it subscribed to; with `agency`, only dossiers routed to that agency). In order per dossier: a notification that fails holds back the later ones until it is delivered. Answer 2xx quickly; drop a repeated `id`.',
      security: [{ hubSignature: [] }],
      parameters: [
        header('X-Hub-Timestamp', 'Thời điểm ký — Unix seconds when the hub signed the request; refuse it when far from your clock (replays).', { type: 'string', pattern: '^[0-9]{1,12}$' }),
        header('X-Hub-Event', 'Sự kiện — the notification\'s `event`.', { type: 'string', enum: ['status-changed', 'overdue', 'delay-announced', 'payment-address', 'payment-reminder'] }),
        header('X-Hub-Delivery', 'Mã thông báo — the notification\'s `id`, the same on every retry.'),
        header('Idempotency-Key', 'Khóa chống trùng — the notification\'s `id` again, for receivers that deduplicate on this header.')
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/notification' },
            examples: { 'supplement-requested': { summary: 'An agency asks for a paper (status 5)', value: example } }
          }
        }
      },
      responses: {
        '2XX': { description: 'Received: the hub moves on to the next notification of the dossier.' },
        429: { description: 'Busy: the hub retries, waiting at least Retry-After.', headers: { 'Retry-After': { description: 'Seconds (or an HTTP date) before the next attempt.', schema: { type: 'string' } } } },
        '4XX': { description: 'Refused for good (except 408 and 429): the notification is marked failed and holds back the later ones of the dossier until an administrator retries it (POST /v1/admin/webhooks/retry-failed).' },
        '5XX': { description: 'Not received: retried with backoff up to the subscriber\'s `retry.attempts` (503 honours Retry-After).' }
      }
    }
  }
}
