// The JavaScript a browser loads before the first route renders: the entry chunk named in dist/index.html and
// every chunk it imports statically (vite's manifest `imports`, which become modulepreload links), each gzipped
// at level 9 as whitenoise precompresses it. Also each first page's route chunk(s), for the record.
//   node scripts/bundle-size.mjs [dist]   → JSON on stdout
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const dist = process.argv[2] || 'dist'
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'))
const byFile = Object.fromEntries(Object.entries(manifest).map(([key, chunk]) => [chunk.file, key]))

const attr = (tag, name) => (tag.match(new RegExp(`${name}="([^"]+)"`)) || [])[1]
const tags = html.match(/<(script|link)\b[^>]*>/g) || []
const htmlFiles = tags
  .filter((t) => (t.startsWith('<script') && /type="module"/.test(t)) || /rel="modulepreload"/.test(t))
  .map((t) => (attr(t, 'src') || attr(t, 'href')).replace(/^\//, ''))

function staticClosure(keys, seen = new Set()) {
  for (const key of keys) {
    if (seen.has(key)) continue
    seen.add(key)
    staticClosure(manifest[key].imports || [], seen)
  }
  return seen
}

const sizeOf = (file) => {
  const bytes = readFileSync(join(dist, file))
  return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
}
const total = (files) => files.reduce((sum, f) => sum + f.gzip, 0)

const entryKeys = htmlFiles.map((f) => byFile[f])
if (entryKeys.some((k) => !k)) throw new Error(`index.html names a script the manifest lacks: ${htmlFiles}`)
const beforeFirstRoute = [...staticClosure(entryKeys)].map((k) => sizeOf(manifest[k].file))

const routes = { home: 'src/views/CourseList.vue', course: 'src/views/CourseDetail.vue', checkout: 'src/views/Order.vue' }
const routeJs = Object.fromEntries(
  Object.entries(routes).map(([page, key]) => {
    const entrySet = staticClosure(entryKeys)
    const files = [...staticClosure([key])].filter((k) => !entrySet.has(k)).map((k) => sizeOf(manifest[k].file))
    return [page, { gzip: total(files), files }]
  }),
)

const css = (manifest[entryKeys[0]].css || []).map(sizeOf)
console.log(
  JSON.stringify(
    { entry_js_gzip: total(beforeFirstRoute), entry_js: beforeFirstRoute, entry_css_gzip: total(css), entry_css: css, route_js: routeJs },
    null,
    2,
  ),
)
