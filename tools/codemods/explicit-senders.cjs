/**
 * Codemod (issue 18): test requests name their sender. Rewrites, in the test files given,
 *   X.app.inject(opts)              → asAdmin(X).inject(opts)        (what ran as admin by default)
 *   X.app.inject({ …, headers: bearer(X.keys.portal) }) → asPortal(X).inject({ … })   (auditor, admin alike)
 *   … bearer(X.keys.agencies.evn ?? '') / `Bearer ${…}`  → asAgency(X, 'evn') / asKey(X, key)
 *   … headers: { authorization: '' }  → anonymous(X).inject(…)   (no key)
 *   … other Authorization / X-Api-Key headers → anonymous(X).inject(…), the header kept
 *   post(X.app, body[, headers])    → post(asAdmin(X) | the sender its headers name, body[, the other headers])
 * and adds the helpers it used to the file's import from helper.ts. What it cannot tell (options in a
 * variable, headers in a variable or spread from one) it leaves and lists: `npx tsc --noEmit` then
 * names every leftover ("Property 'inject' does not exist on type 'TestApp'").
 *
 * Run: node tools/codemods/explicit-senders.cjs test/path/a.test.ts … (needs tools/node_modules: TypeScript 5's API)
 */
const ts = require('../node_modules/typescript')
const fs = require('fs')
const files = process.argv.slice(2)
const report = []
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8')
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const edits = [] // {start,end,text}
  const used = new Set()
  const src = (n) => text.slice(n.getStart(sf), n.end)
  // which sender for a key expression, given the hub expression H
  function senderOfKey (keyExpr, H) {
    let e = keyExpr
    while (ts.isParenthesizedExpression(e)) e = e.expression
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken && ts.isStringLiteral(e.right) && e.right.text === '') e = e.left
    if (ts.isAsExpression(e)) e = e.expression
    const t = src(e)
    let m
    if ((m = /^(.+)\.keys\.(admin|portal|auditor)$/.exec(t)) && m[1] === H) { const f = { admin: 'asAdmin', portal: 'asPortal', auditor: 'asAuditor' }[m[2]]; used.add(f); return `${f}(${H})` }
    if ((m = /^(.+)\.keys\.agencies(?:\.([A-Za-z_]\w*)|\[('[^']+')\])$/.exec(t)) && m[1] === H) { used.add('asAgency'); return `asAgency(${H}, ${m[2] ? `'${m[2]}'` : m[3]})` }
    used.add('asKey'); return `asKey(${H}, ${src(keyExpr)})`
  }
  // the key in an expression: bearer(E) or `Bearer ${E}`
  function keyIn (e) {
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'bearer' && e.arguments.length === 1) return e.arguments[0]
    if (ts.isTemplateExpression(e) && e.head.text === 'Bearer ' && e.templateSpans.length === 1 && e.templateSpans[0].literal.text === '') return e.templateSpans[0].expression
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken && ts.isStringLiteral(e.left) && e.left.text === 'Bearer ') return e.right
    return undefined
  }
  const propName = (p) => p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text.toLowerCase() : undefined
  /** Given a headers expression: {sender, newHeadersText|null(remove)} or undefined (manual). */
  function fromHeaders (h, H) {
    const k = keyIn(h)
    if (k !== undefined) return { sender: senderOfKey(k, H), headers: null }
    if (!ts.isObjectLiteralExpression(h)) return undefined
    let sender; const keep = []
    for (const p of h.properties) {
      if (ts.isSpreadAssignment(p)) {
        const k2 = keyIn(p.expression)
        if (k2 !== undefined) { if (sender) return undefined; sender = senderOfKey(k2, H); continue }
        if (!ts.isObjectLiteralExpression(p.expression)) return undefined // spread from a variable: it may hold a key
        keep.push(src(p)); continue
      }
      const name = propName(p)
      if (name === 'authorization' && ts.isPropertyAssignment(p)) {
        if (sender) return undefined
        const k3 = keyIn(p.initializer)
        if (k3 !== undefined) { sender = senderOfKey(k3, H); continue }
        if (ts.isStringLiteral(p.initializer) && p.initializer.text === '') { used.add('anonymous'); sender = `anonymous(${H})`; continue }
        used.add('anonymous'); sender = `anonymous(${H})`; keep.push(src(p)); continue
      }
      if (name === 'x-api-key') { if (sender) return undefined; used.add('anonymous'); sender = `anonymous(${H})`; keep.push(src(p)); continue }
      keep.push(src(p))
    }
    if (sender === undefined) { used.add('asAdmin'); sender = `asAdmin(${H})`; return { sender, headers: undefined } }
    return { sender, headers: keep.length === 0 ? null : `{ ${keep.join(', ')} }` }
  }
  function visit (node) {
    // X.app.inject(arg) / X.app?.inject(arg)
    if (ts.isCallExpression(node) && (ts.isPropertyAccessExpression(node.expression)) && node.expression.name.text === 'inject') {
      const target = node.expression.expression
      if (ts.isPropertyAccessExpression(target) && target.name.text === 'app') {
        const H = src(target.expression)
        const arg = node.arguments[0]
        let result
        if (arg && ts.isObjectLiteralExpression(arg)) {
          if (arg.properties.some((p) => ts.isShorthandPropertyAssignment(p) && p.name.text === 'headers')) { report.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1} manual (headers in a variable)`); ts.forEachChild(node, visit); return }
          const hp = arg.properties.find((p) => ts.isPropertyAssignment(p) && propName(p) === 'headers')
          if (hp === undefined) { used.add('asAdmin'); result = { sender: `asAdmin(${H})` } } else {
            const r = fromHeaders(hp.initializer, H)
            if (r === undefined) { report.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1} manual (headers)`); ts.forEachChild(node, visit); return }
            result = r
            if (r.headers === null) {
              // remove the headers property with its comma
              const props = arg.properties; const i = props.indexOf(hp)
              let start = hp.getFullStart(); let end = hp.end
              if (i < props.length - 1) end = props[i + 1].getStart(sf) ; else if (i > 0) start = props[i - 1].end
              edits.push({ start, end, text: '' })
              if (props.length === 1) { edits.pop(); edits.push({ start: arg.getStart(sf), end: arg.end, text: '{}' }) }
            } else if (r.headers !== undefined) {
              edits.push({ start: hp.initializer.getStart(sf), end: hp.initializer.end, text: r.headers })
            }
          }
        } else if (arg && ts.isStringLiteral(arg) || arg && ts.isNoSubstitutionTemplateLiteral(arg) || arg && ts.isTemplateExpression(arg)) {
          used.add('asAdmin'); result = { sender: `asAdmin(${H})` }
        } else {
          report.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1} manual (arg ${arg ? src(arg).slice(0, 40) : 'none'})`); ts.forEachChild(node, visit); return
        }
        edits.push({ start: node.expression.getStart(sf), end: node.expression.end, text: `${result.sender}.inject` })
        for (const a of node.arguments) ts.forEachChild(a, visit)
        return
      }
    }
    // post(X.app, body, headers?)
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'post' && node.arguments.length >= 2 && ts.isPropertyAccessExpression(node.arguments[0]) && node.arguments[0].name.text === 'app') {
      const H = src(node.arguments[0].expression)
      const h = node.arguments[2]
      let sender
      if (h === undefined) { used.add('asAdmin'); sender = `asAdmin(${H})` } else {
        const r = fromHeaders(h, H)
        if (r === undefined) { report.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1} manual post headers`); ts.forEachChild(node, visit); return }
        sender = r.sender
        if (r.headers === null) edits.push({ start: node.arguments[1].end, end: h.end, text: '' })
        else if (r.headers !== undefined) edits.push({ start: h.getStart(sf), end: h.end, text: r.headers })
      }
      edits.push({ start: node.arguments[0].getStart(sf), end: node.arguments[0].end, text: sender })
      for (const a of node.arguments.slice(1)) ts.forEachChild(a, visit)
      return
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  if (edits.length === 0) continue
  edits.sort((a, b) => b.start - a.start)
  let out = text
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  // imports from the helper
  const imp = /import \{([^}]*)\} from '(\.\.\/)+helper\.ts'/.exec(out)
  if (imp) {
    const names = imp[1].split(',').map((s) => s.trim()).filter(Boolean)
    for (const u of used) if (!names.includes(u)) names.push(u)
    out = out.replace(imp[0], imp[0].replace(imp[1], ' ' + names.join(', ') + ' '))
  } else report.push(`${file}: no helper import; add ${[...used].join(', ')}`)
  fs.writeFileSync(file, out)
}
console.log(report.join('\n'))
