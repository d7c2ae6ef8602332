// The generated client (issue #17): src/api/schema.d.ts is openapi-typescript's output for the checked-in schema
// (src/api/openapi.yaml, itself checked against the server by tests/core/test_schema.py), and the SPA is
// type-checked against it (vue-tsc in `npm test`) — so a serializer field renamed on the server is a failing
// `npm test` wherever the SPA reads the old name. These tests prove both on copies, in a scratch directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(__dirname, '..')
const BIN = join(ROOT, 'node_modules', '.bin')
const SCHEMA_YAML = join(ROOT, 'src', 'api', 'openapi.yaml')
const SCHEMA_TYPES = join(ROOT, 'src', 'api', 'schema.d.ts')
// Inside node_modules (ignored by git) so the copies resolve vue, pinia, element-plus… as src/ does.
const SCRATCH = join(ROOT, 'node_modules', '.cache', `schema-client-${process.pid}`)

function generate(yamlFile, outFile) {
  execFileSync(join(BIN, 'openapi-typescript'), [yamlFile, '-o', outFile], { cwd: ROOT, stdio: 'pipe' })
  return readFileSync(outFile, 'utf8')
}

/** The schema's lines and where `component` (under components.schemas) starts and ends: [lines, start, end]. */
function componentLines(yaml, component) {
  const lines = yaml.split('\n')
  const start = lines.indexOf(`    ${component}:`)
  if (start < 0) throw new Error(`no component ${component}`)
  let end = start + 1
  while (end < lines.length && !/^ {0,4}\S/.test(lines[end])) end += 1
  return [lines, start, end]
}

/**
 * Rename one property of one component of the schema (its key and its `required` entry), as renaming the
 * serializer field and regenerating openapi.yaml would.
 */
function renameField(yaml, component, from, to) {
  const [lines, start, end] = componentLines(yaml, component)
  let renamed = 0
  for (let i = start; i < end; i += 1) {
    if (lines[i] === `        ${from}:`) (lines[i] = `        ${to}:`), (renamed += 1)
    if (lines[i] === `      - ${from}`) lines[i] = `      - ${to}`
  }
  if (renamed !== 1) throw new Error(`${component}.${from} not found`)
  return lines.join('\n')
}

/** Rename one value of an enum component (e.g. an error code of ErrorCodeEnum), as renaming it on the server would. */
function renameEnumValue(yaml, component, from, to) {
  const [lines, start, end] = componentLines(yaml, component)
  const at = lines.slice(start, end).indexOf(`      - ${from}`)
  if (at < 0) throw new Error(`${component} has no ${from}`)
  lines[start + at] = `      - ${to}`
  return lines.join('\n')
}

/** Type-check a copy of src/ whose schema.d.ts was generated from `yaml`: [exit status, output]. */
function typecheckWith(name, yaml) {
  const dir = join(SCRATCH, name)
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true })
  writeFileSync(join(dir, 'openapi.yaml'), yaml)
  generate(join(dir, 'openapi.yaml'), join(dir, 'src', 'api', 'schema.d.ts'))
  const base = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'))
  base.compilerOptions.paths = { '@/*': ['src/*'] }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(base))
  const run = spawnSync(join(BIN, 'vue-tsc'), ['--noEmit', '-p', join(dir, 'tsconfig.json')], {
    cwd: dir,
    encoding: 'utf8',
  })
  return [run.status, `${run.stdout}${run.stderr}`]
}

beforeAll(() => mkdirSync(SCRATCH, { recursive: true }))
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }))

describe('the generated client', () => {
  it('src/api/schema.d.ts is up to date with src/api/openapi.yaml (`npm run gen:api`)', () => {
    const fresh = generate(SCHEMA_YAML, join(SCRATCH, 'schema.d.ts'))
    expect(readFileSync(SCHEMA_TYPES, 'utf8') === fresh, 'schema.d.ts is stale: run `npm run gen:api`').toBe(true)
  })

  it('the rename helper renames exactly one field of one component', () => {
    const yaml = readFileSync(SCHEMA_YAML, 'utf8')
    const renamed = renameField(yaml, 'PaymentResult', 'course_list', 'paid_courses')
    expect(renamed).not.toBe(yaml)
    expect(renamed.match(/paid_courses/g)).toHaveLength(2) // the property and its `required` entry
    expect(() => renameField(yaml, 'PaymentResult', 'no_such_field', 'x')).toThrow()
    const recoded = renameEnumValue(yaml, 'ErrorCodeEnum', 'order_closed', 'order_shut')
    expect(recoded.split('\n').filter((l) => l === '      - order_shut')).toHaveLength(1)
    expect(() => renameEnumValue(yaml, 'ErrorCodeEnum', 'no_such_code', 'x')).toThrow()
  })

  it(
    'renaming a serializer field the SPA reads, or an error code it handles, makes the type check fail, naming each',
    () => {
      const yaml = readFileSync(SCHEMA_YAML, 'utf8')
      // Control: the same copy with the schema as it is type-checks clean.
      const [okStatus, okOutput] = typecheckWith('as-is', yaml)
      expect(okOutput).toBe('')
      expect(okStatus).toBe(0)

      // The return relay's `course_list` (PaymentResult) and a cart line's `price` (CartLine), renamed.
      let renamed = renameField(yaml, 'PaymentResult', 'course_list', 'paid_courses')
      renamed = renameField(renamed, 'CartLine', 'price', 'list_price')
      // An error code the SPA switches on (AliPaySuccess: a payment after the order closed), renamed on the server.
      renamed = renameEnumValue(renamed, 'ErrorCodeEnum', 'order_closed', 'order_shut')
      const [status, output] = typecheckWith('renamed', renamed)
      expect(status).not.toBe(0)
      const errors = output.split('\n').filter((line) => /error TS\d+/.test(line))
      expect(errors.some((e) => e.includes('AliPaySuccess.vue') && e.includes("'course_list'"))).toBe(true)
      expect(errors.some((e) => e.includes("'price'") && /Cart|CourseLine|checkout/.test(e))).toBe(true)
      const codeErrors = errors.filter((e) => e.includes('"order_closed"'))
      expect(codeErrors.length).toBe(1)
      expect(codeErrors[0]).toContain('AliPaySuccess.vue')
      // Nothing but the renamed fields and code is reported.
      expect(errors.filter((e) => !e.includes("'course_list'") && !e.includes("'price'") && !e.includes('"order_closed"'))).toEqual([])
    },
    240_000,
  )
})
