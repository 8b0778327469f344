/**
 * Outbound TLS per agency: a private CA for the agency's server certificate, and a client
 * certificate for mutual TLS, against a real HTTPS server on 127.0.0.1 that requires one.
 * Certificates are made for the test with the openssl command line.
 */
import t from 'tap'
import type { Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { TLSSocket } from 'node:tls'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { BIRTH, build, example, post, waitFor, asAdmin } from '../helper.ts'
import { resolveHubConfig, type HubSettings } from '../../src/config/hub-config.ts'
import { ConfigError } from '../../src/config/errors.ts'
import type { DossierSummary, RoutingState } from '../../src/types/schemas.generated.ts'

interface Pki { dir: string, ca: string, serverKey: string, serverCert: string, clientKey: string, clientCert: string, otherCa: string }

/** A CA, a server certificate for 127.0.0.1 and a client certificate signed by it; and an unrelated CA. */
function makePki (t: Test): Pki {
  const dir = t.testdir()
  const ssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }) }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Test agency CA')
  ssl('req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', '/CN=Some other CA')
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n')
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=agency.test')
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext')
  ssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=lienthong-hub')
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2')
  const p = (f: string): string => join(dir, f)
  return { dir, ca: p('ca.crt'), serverKey: p('server.key'), serverCert: p('server.crt'), clientKey: p('client.key'), clientCert: p('client.crt'), otherCa: p('other-ca.crt') }
}

/** An HTTPS agency that requires a client certificate signed by the CA, and records who called. */
async function startMtlsAgency (t: Test, pki: Pki): Promise<{ url: string, callers: string[] }> {
  const callers: string[] = []
  const server: Server = createServer({
    key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true
  }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate()
    callers.push(String(peer.subject?.CN ?? ''))
    req.resume()
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ reference: `MTLS-${callers.length}` }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => { resolve() }))
  })
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/justice`, callers }
}

function settingsWith (endpoint: string, tls: Record<string, unknown> | undefined): HubSettings {
  return resolveHubConfig({
    agencies: { justice: { name: 'Sở Tư pháp (mTLS)', adapter: 'generic', endpoint, retry: { attempts: 1 }, timeoutMs: 3000, ...(tls !== undefined && { tls }) } },
    procedures: { [BIRTH]: { name: 'Đăng ký khai sinh', dataSchema: 'birth-registration', agencies: ['justice'] } }
  }, 'tls test')
}

async function deliver (t: Test, settings: HubSettings): Promise<RoutingState> {
  const hub = await build(t, { settings })
  const res = await post(asAdmin(hub), example('birth-registration'))
  const { code } = res.json<DossierSummary>()
  return await waitFor(async () => {
    const r = await hub.store.routingState(code, 'justice')
    return r?.state === 'delivered' || r?.state === 'failed' ? r : undefined
  }, 'the delivery to end')
}

t.test('mutual TLS: the private CA and the client certificate from the config; delivered', async (t) => {
  const pki = makePki(t)
  const agency = await startMtlsAgency(t, pki)
  const state = await deliver(t, settingsWith(agency.url, { caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey }))
  t.equal(state.state, 'delivered', state.lastError ?? 'delivered')
  t.equal(state.agencyReference, 'MTLS-1')
  t.same(agency.callers, ['lienthong-hub'], 'the agency saw the hub\'s client certificate')
})

t.test('no client certificate: the agency refuses the handshake; the delivery fails visibly', async (t) => {
  const pki = makePki(t)
  const agency = await startMtlsAgency(t, pki)
  const state = await deliver(t, settingsWith(agency.url, { caFile: pki.ca }))
  t.equal(state.state, 'failed')
  t.match(state.lastError, /cannot reach the agency/)
  t.same(agency.callers, [], 'no request reached the agency')
})

t.test('a server certificate from a CA the hub does not trust: refused; the delivery fails visibly', async (t) => {
  const pki = makePki(t)
  const agency = await startMtlsAgency(t, pki)
  const state = await deliver(t, settingsWith(agency.url, { caFile: pki.otherCa, certFile: pki.clientCert, keyFile: pki.clientKey }))
  t.equal(state.state, 'failed')
  t.match(state.lastError, /certificate|UNABLE_TO_VERIFY|SELF_SIGNED/i, `says why: ${state.lastError ?? ''}`)
  t.same(agency.callers, [])
})

t.test('TLS config mistakes are named at start-up', async (t) => {
  const pki = makePki(t)
  const problems = (endpoint: string, tls: Record<string, unknown>): string[] => {
    try {
      settingsWith(endpoint, tls)
      return []
    } catch (err) {
      return err instanceof ConfigError ? err.problems : [String(err)]
    }
  }
  t.match(problems('http://127.0.0.1:1/x', { caFile: pki.ca }), [/\/agencies\/justice\/tls is given, but the endpoint is not https/])
  t.match(problems('https://127.0.0.1:1/x', { certFile: pki.clientCert }), [/must give certFile and keyFile together/])
  t.match(problems('https://127.0.0.1:1/x', { caFile: join(pki.dir, 'missing.crt') }), [/\/tls\/caFile names .*missing\.crt, which cannot be read \(ENOENT\)/])
  writeFileSync(join(pki.dir, 'not-pem.txt'), 'hello')
  t.match(problems('https://127.0.0.1:1/x', { caFile: join(pki.dir, 'not-pem.txt') }), [/which is not a PEM file/])
  t.match(problems('https://127.0.0.1:1/x', { certFile: pki.clientCert, keyFile: pki.clientKey, passphraseEnv: 'HUB_TEST_UNSET_PASSPHRASE' }), [/HUB_TEST_UNSET_PASSPHRASE, which is not set/])
  t.same(problems('https://127.0.0.1:1/x', { caFile: pki.ca, certFile: pki.clientCert, keyFile: pki.clientKey, serverName: 'agency.test' }), [], 'a complete one is accepted')
})
