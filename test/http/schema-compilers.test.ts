/**
 * The routes' schema compilers (src/http/schema-compilers.ts): each serializer and validator is
 * compiled once per process, and a serializer is given only the shared schemas its route refers to.
 */
import t from 'tap'
import { buildSerializer, compileValidator, referencedSchemas } from '../../src/http/schema-compilers.ts'

const shared = {
  a: { $id: 'a', type: 'object', properties: { b: { $ref: 'b#' }, self: { $ref: 'a#' } } },
  b: { $id: 'b', type: 'object', properties: { n: { type: 'integer' }, c: { $ref: 'c#/definitions/x' } } },
  c: { $id: 'c', definitions: { x: { type: 'string' } } },
  d: { $id: 'd', type: 'string' }
}

t.test('the shared schemas a schema refers to, and those they refer to; none it does not', async (t) => {
  t.same(referencedSchemas({ $ref: 'a#' }, shared), ['a', 'b', 'c'], 'transitively, a cycle once')
  t.same(referencedSchemas({ type: 'array', items: [{ $ref: 'c#/definitions/x' }] }, shared), ['c'], 'inside arrays, with a pointer')
  t.same(referencedSchemas({ type: 'object', properties: { x: { $ref: '#/definitions/y' } }, definitions: { y: { type: 'string' } } }, shared), [], 'a local reference is not a shared one')
  t.same(referencedSchemas({ $ref: 'unknown#' }, shared), [], 'an id no shared schema has')
})

t.test('a serializer: from its route\'s schema and the shared schemas it names, compiled once', async (t) => {
  const route = { method: 'GET', url: '/x', httpStatus: '200', schema: { $ref: 'a#' } }
  const serialize = buildSerializer(shared, {})(route)
  t.same(JSON.parse(serialize({ b: { n: 3, c: 'x', extra: true }, other: 1 })), { b: { n: 3, c: 'x' } }, 'serialized by the schema (unknown properties left out)')
  t.equal(buildSerializer(shared, {})({ ...route, url: '/y', schema: { $ref: 'a#' } }), serialize, 'the same schema again (another app, another route): the same serializer')
  t.not(buildSerializer(shared, {})({ ...route, schema: { $ref: 'b#' } }), serialize, 'another schema: its own')
  t.not(buildSerializer({ ...shared, d: { $id: 'd', type: 'integer' } }, {})(route), serialize, 'other shared schemas: compiled again')
})

t.test('a validator: strict for bodies, coercing for the rest, compiled once per schema', async (t) => {
  const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false }
  const body = compileValidator({ schema, httpPart: 'body' })
  const query = compileValidator({ schema: { ...schema }, httpPart: 'querystring' })
  t.equal(body({ n: '3' }), false, 'a body is not coerced')
  const q = { n: '3' }
  t.equal(query(q), true, 'a query string is')
  t.same(q, { n: 3 }, 'to its type')
  t.equal(compileValidator({ schema: JSON.parse(JSON.stringify(schema)) as object, httpPart: 'body' }), body, 'the same schema again: the same validator')
})
