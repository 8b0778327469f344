/* The Decision 766 dashboard: reads /admin/reports/data (same credentials as the page) and draws
   the on-time share per month per unit (chart.js) and the ranking table. No inline script. */
'use strict'
const form = document.getElementById('filters')
const status = document.getElementById('status')
const charts = {}
const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10)
const params = new URLSearchParams(location.search)
form.from.value = params.get('from') || `${today.slice(0, 4)}-01-01`
form.to.value = params.get('to') || today
form.unit.value = params.get('unit') || ''
form.procedure.value = params.get('procedure') || ''
form.grouping.value = params.get('grouping') || 'communes'

const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7f8a', '#57606a']

function draw (id, months, series) {
  const labels = months.map((m) => m.month)
  const datasets = series.map((name, i) => ({
    label: name,
    data: months.map((m) => m.values[name] ?? null),
    borderColor: COLOURS[i % COLOURS.length],
    backgroundColor: COLOURS[i % COLOURS.length],
    spanGaps: true
  }))
  if (charts[id] !== undefined) charts[id].destroy()
  charts[id] = new Chart(document.getElementById(id), {
    type: 'line',
    data: { labels, datasets },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100, title: { display: true, text: '% đúng hạn' } } } }
  })
  document.getElementById(id).dataset.series = String(datasets.length)
}

function cell (text, className) {
  const td = document.createElement('td')
  td.textContent = text
  if (className) td.className = className
  return td
}

function table (units) {
  const t = document.getElementById('ranking')
  const ids = units.length === 0 ? [] : units[0].indicators.map((f) => f.id)
  const head = document.createElement('tr')
  for (const h of ['Hạng', 'Mã', 'Tên', 'Tổng điểm', ...ids.map((id) => `${id} (hạng)`)]) {
    const th = document.createElement('th')
    th.textContent = h
    head.append(th)
  }
  t.tHead.replaceChildren(head)
  t.tBodies[0].replaceChildren(...units.map((u) => {
    const tr = document.createElement('tr')
    tr.append(cell(String(u.rank)), cell(u.key), cell(u.name || ''), cell(u.total.toFixed(2)))
    for (const f of u.indicators) {
      tr.append(f.value === null ? cell('N/A', 'na') : cell(`${f.value}${f.rank === undefined ? '' : ` (${f.rank})`}`))
    }
    return tr
  }))
}

async function load () {
  const q = new URLSearchParams()
  for (const name of ['from', 'to', 'unit', 'procedure']) if (form[name].value !== '') q.set(name, form[name].value)
  status.textContent = 'Đang tải…'
  const res = await fetch(`/admin/reports/data?${q}`, { credentials: 'same-origin' })
  const body = await res.json()
  if (!res.ok) {
    status.textContent = `${body.title || res.status}: ${body.detail || ''} ${(body.errors || []).map((e) => `${e.parameter || e.pointer}: ${e.detail}`).join('; ')}`
    return
  }
  status.textContent = ''
  document.getElementById('judged').textContent = `Kỳ ${body.report.from} – ${body.report.to}, số liệu chốt tại ${body.report.judgedAt}`
  const months = (key) => body.monthly.map((m) => ({ month: m.month, values: m[key] }))
  const names = (key) => [...new Set(body.monthly.flatMap((m) => Object.keys(m[key])))].sort()
  draw('communes-chart', months('communes'), names('communes'))
  draw('agencies-chart', months('agencies'), names('agencies'))
  table(body.report[form.grouping.value] || [])
  document.body.dataset.loaded = 'true'
}

form.addEventListener('submit', (e) => {
  e.preventDefault()
  history.replaceState(null, '', `?${new URLSearchParams(new FormData(form))}`)
  load().catch((err) => { status.textContent = String(err) })
})
load().catch((err) => { status.textContent = String(err) })
