// The CI grep in a portable form: fails if frontend/src uses parseFloat or toFixed.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src')
const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]))
const bad = walk(src).filter((f) => /\b(parseFloat|toFixed)\b/.test(readFileSync(f, 'utf8')))
if (bad.length) {
  console.error('parseFloat/toFixed found in:\n' + bad.join('\n'))
  process.exit(1)
}
console.log('ok: no parseFloat/toFixed in src/')
