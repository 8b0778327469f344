/**
 * The schemas in schemas/ are the single source of the hub's shapes: check they say what they
 * mean (a Vietnamese term on every property), that the shipped examples and config fit them,
 * and that the generated TypeScript types are up to date.
 */
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { apiSchemas, dossierSchema, hubAssignedProperties, SENDER_MAY_GIVE, procedureDataSchemas, submissionSchema, type JsonSchema } from '../../src/schemas.ts'
import { createStrictAjv } from '../../src/validation/ajv.ts'
import { loadHubConfig } from '../../src/config/hub-config.ts'
import { fromRoot } from '../../src/paths.ts'
import { generateAll } from '../../scripts/generate-types.ts'

const VIETNAMESE = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i

/** Every `properties` entry anywhere in a schema, with its path. */
function properties (schema: unknown, path = ''): Array<[string, JsonSchema]> {
  if (schema === null || typeof schema !== 'object') return []
  const out: Array<[string, JsonSchema]> = []
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (key === 'properties' && value !== null && typeof value === 'object') {
      for (const [name, sub] of Object.entries(value as Record<string, JsonSchema>)) {
        out.push([`${path}/${name}`, sub])
        out.push(...properties(sub, `${path}/${name}`))
      }
    } else if (typeof value === 'object') {
      out.push(...properties(value, `${path}/${key}`))
    }
  }
  return out
}

t.test('every property of the canonical and procedure schemas has a description with the Vietnamese term', async (t) => {
  const schemas = [...apiSchemas.filter((s) => s.$id !== 'dossier-submission'), ...procedureDataSchemas.values()]
  let checked = 0
  for (const schema of schemas) {
    for (const [path, sub] of properties(schema)) {
      // properties inside if/then only narrow a property described where it is declared
      if (/\/(if|then|else)\//.test(path)) continue
      checked++
      t.match(sub.description, VIETNAMESE, `${String(schema.$id)}${path} has a Vietnamese description`)
    }
  }
  t.ok(checked > 100, `checked ${checked} properties`)
})

t.test('the submission schema is the canonical dossier without the hub-assigned (readOnly) properties', async (t) => {
  const assigned = hubAssignedProperties(dossierSchema)
  t.same(assigned, ['status', 'statusCode', 'arrivedAt', 'dueAt', 'rescheduledDueAt', 'pausedSince', 'overdueSince', 'resolvedAt', 'returnedAt', 'closedAt', 'timeliness', 'routing', 'results'])
  // the receiving system's code and receipt time (issue 14): a submission may give them, need not
  for (const name of SENDER_MAY_GIVE) {
    t.ok(name in (submissionSchema.properties ?? {}), `submission may give ${name}`)
    t.notOk(submissionSchema.required?.includes(name), `submission does not require ${name}`)
    t.ok(dossierSchema.required?.includes(name), `a dossier has ${name}`)
  }
  for (const name of assigned) {
    t.notOk(name in (submissionSchema.properties ?? {}), `submission has no ${name}`)
    t.notOk(submissionSchema.required?.includes(name), `submission does not require ${name}`)
  }
  const others = Object.keys(dossierSchema.properties ?? {}).filter((n) => !assigned.includes(n))
  t.same(Object.keys(submissionSchema.properties ?? {}), others, 'every other property is kept')
  t.equal(submissionSchema.additionalProperties, false, 'unknown properties are rejected')
})

t.test('every shipped example fits the submission schema, its procedure\'s data schema and the shipped routing table', async (t) => {
  const ajv = createStrictAjv()
  const validateSubmission = ajv.getSchema('dossier-submission')
  const settings = loadHubConfig(fromRoot('config', 'hub.json'))
  const dir = fromRoot('schemas', 'examples')
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'))
  const covered = new Set<string>()
  for (const file of files) {
    const example = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { procedure: { code: string }, data: unknown }
    t.ok(validateSubmission?.(example), `${file} is a valid submission ${JSON.stringify(validateSubmission?.errors ?? [])}`)
    const route = settings.procedures.get(example.procedure.code)
    t.ok(route, `${file}: the shipped config routes procedure ${example.procedure.code}`)
    if (route === undefined) continue
    covered.add(route.code)
    const validateData = ajv.getSchema(route.dataSchema)
    t.ok(validateData?.(example.data), `${file}: data fits ${route.dataSchema} ${JSON.stringify(validateData?.errors ?? [])}`)
  }
  t.same([...covered].sort(), [...settings.procedures.keys()].sort(), 'each shipped procedure has an example')
})

t.test('the generated TypeScript types are up to date with the schemas', async (t) => {
  const files = await generateAll()
  t.ok(files.size >= 2, 'canonical and adapter types are generated')
  for (const [file, text] of files) {
    t.equal(readFileSync(file, 'utf8'), text, `${file.replace(fromRoot(), '')} is current (run npm run types:generate)`)
  }
})
