import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib'
import { fileURLToPath, URL } from 'node:url'

// Django serves dist/ at the site root ("/") with a history fallback;
// /api, /admin, /sandbox and /static belong to Django.
const backend = process.env.VITE_BACKEND || 'http://127.0.0.1:8000'
const proxied = ['/api', '/admin', '/sandbox', '/static']

// ElementPlusResolver imports from element-plus's barrel (element-plus/es), which also imports dayjs (a CommonJS
// file Rollup must keep) into whatever chunk loads it first: the entry. Point each import at the component's own
// module instead (ElFormItem lives in form/, ElLoadingDirective in loading/).
const EP_COMPONENTS = fileURLToPath(new URL('./node_modules/element-plus/es/components/', import.meta.url))
function elementPlusModule(name) {
  const parts = name.slice(2).replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().split('-')
  for (; parts.length; parts.pop()) {
    const dir = parts.join('-')
    if (existsSync(`${EP_COMPONENTS}${dir}/index.mjs`)) return `element-plus/es/components/${dir}/index.mjs`
  }
  return null
}
const elementPlusResolvers = ElementPlusResolver({ importStyle: 'css' }).map((resolver) => ({
  ...resolver,
  async resolve(name) {
    const found = await resolver.resolve(name)
    const from = found && found.from === 'element-plus/es' && elementPlusModule(found.name || name)
    return from ? { ...found, from } : found
  },
}))

// Whitenoise serves x.js.br / x.js.gz in place of x.js to a browser that accepts them, but only compresses
// collectstatic's files itself: the built SPA gets its precompressed copies here, at the highest levels (once per
// build, not per request). A copy that saves under 5 % is not written (whitenoise's own rule).
function precompress() {
  const compressible = /\.(js|mjs|css|html|svg|json|txt|map)$/
  return {
    name: 'luffy-precompress',
    apply: 'build',
    closeBundle() {
      const dist = fileURLToPath(new URL('./dist', import.meta.url))
      for (const entry of readdirSync(dist, { recursive: true })) {
        const file = join(dist, entry)
        if (!compressible.test(file)) continue
        const raw = readFileSync(file)
        const variants = {
          '.gz': gzipSync(raw, { level: 9 }),
          '.br': brotliCompressSync(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }),
        }
        for (const [suffix, data] of Object.entries(variants)) {
          if (data.length < raw.length * 0.95) writeFileSync(file + suffix, data)
        }
      }
    },
  }
}

// The first page's own chunks start downloading with the entry instead of after it: the entry takes a few hundred
// milliseconds of a phone's CPU to run before the router asks for the page, and the page's chunks (and their CSS)
// can arrive meanwhile. index.html gets a tiny inline script that, for the landing pages below, adds
// <link rel="modulepreload"> / <link rel="preload" as="style"> for that page's chunks (vite's own loader then finds
// them there and does not fetch them again). Other paths load as before.
// A public page whose first paint waits for one GET (a course page: its cover URL is in the answer; the home page and
// /courses without a query: the catalogue's first page, whose cards are its largest paint) also gets a
// <link rel="preload" as="fetch"> for it, which the browser hands to the API layer's own request for that URL (the
// same URL and credentials mode: one request, sent with the HTML instead of after the entry has run). A page that
// needs a login (checkout) cannot be preloaded so (a preload sends no Authorization header): the script sends its
// GET itself with the stored access token, and the API layer takes that answer (src/utils/early.js). With a stored
// access token it also sends the two GETs main.js makes for every logged-in page (the header's name and cart count,
// EARLY_SESSION_GETS): they used to leave only once the entry had downloaded and run, and a page's first render
// waited behind them.
const LANDING_PAGES = [
  // [path pattern (source of a RegExp), page module, needs a login, the page's first GET (path.replace(pattern, it))]
  // A first GET with a query of its own is only for the page's URL without one (?page=2, ?category= ask otherwise).
  ['^/(courses/?)?$', 'src/views/CourseList.vue', false, '/api/courses/?page=1'],
  ['^/courses/(\\d+)/?$', 'src/views/CourseDetail.vue', false, '/api/courses/$1/'],
  ['^/order/?$', 'src/views/Order.vue', true, '/api/orders/checkout/'],
]
// Each landing page's code in as few files as possible. Rollup splits what routes share into many small chunks
// (checkout loaded 12 scripts and 7 stylesheets before it could render): over HTTP/1.1 each is one more request
// queued on the browser's six connections to this origin, sharing a phone's bandwidth with the entry. Here every
// module a landing page imports statically (and the entry does not) goes into one chunk that page has to itself
// ("<page>-deps"), or, when two or more landing pages import it, into one they share ("landing"); the entry's own
// modules are named too, or Rollup would pull them into those chunks. A landing page then loads the entry, "landing",
// its "-deps" and its own chunk, each with at most one stylesheet. Other routes are left to Rollup (one that imports
// such a module loads that chunk).
function landingChunks() {
  const root = fileURLToPath(new URL('.', import.meta.url))
  const pages = [...new Set(LANDING_PAGES.map(([, module]) => join(root, module)))]
  let closures = null
  const closure = (ids, getModuleInfo, seen = new Set()) => {
    for (const id of ids) {
      if (seen.has(id)) continue
      seen.add(id)
      closure(getModuleInfo(id)?.importedIds || [], getModuleInfo, seen)
    }
    return seen
  }
  return (id, { getModuleInfo, getModuleIds }) => {
    if (!closures) {
      const entries = [...getModuleIds()].filter((m) => getModuleInfo(m)?.isEntry)
      closures = { entry: closure(entries, getModuleInfo), pages: pages.map((p) => closure([p], getModuleInfo)) }
    }
    if (closures.entry.has(id)) return 'index'
    const users = pages.filter((page, i) => closures.pages[i].has(id))
    if (users.length > 1) return 'landing'
    if (users.length === 1 && id !== users[0]) return `${users[0].split('/').pop().replace(/\.vue$/, '')}-deps`
    return undefined
  }
}

const EARLY_SESSION_GETS = ['/api/users/me/', '/api/cart/']
function preloadLandingPage() {
  return {
    name: 'luffy-preload-landing-page',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, { bundle }) {
        if (!bundle) return html
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk')
        const byFile = Object.fromEntries(chunks.map((c) => [c.fileName, c]))
        const closure = (files, seen = new Set()) => {
          for (const f of files) {
            if (seen.has(f) || !byFile[f]) continue
            seen.add(f)
            closure(byFile[f].imports, seen)
          }
          return seen
        }
        const entry = closure(chunks.filter((c) => c.isEntry).map((c) => c.fileName))
        const root = fileURLToPath(new URL('.', import.meta.url))
        const routes = LANDING_PAGES.map(([pattern, module, login, data]) => {
          const page = chunks.find((c) => c.facadeModuleId === join(root, module))
          if (!page) throw new Error(`preloadLandingPage: no chunk for ${module}`)
          const js = [...closure([page.fileName])].filter((f) => !entry.has(f))
          const css = js.flatMap((f) => [...(byFile[f].viteMetadata?.importedCss || [])])
          return [pattern, login ? 1 : 0, [...js, ...css], data]
        })
        // crossOrigin '' as vite's own links have it (a preload is only used by a request of the same credentials mode).
        // window.__luffyEarly: {[url]: {url, token, at, response}}, each taken once by src/utils/early.js.
        const script = `(function(){try{var r=${JSON.stringify(routes)},s=${JSON.stringify(EARLY_SESSION_GETS)},` +
          `p=location.pathname,t=localStorage.getItem('luffy_access'),E=window.__luffyEarly={},i,j,l,f,x,u;` +
          `function a(h,rel,as){l=document.createElement('link');l.rel=rel;if(as)l.as=as;l.crossOrigin='';l.href=h;document.head.appendChild(l)}` +
          `function g(u){var e=E[u]={url:u,token:t,at:Date.now(),response:fetch(u,{headers:{Accept:'application/json',Authorization:'Bearer '+t}})};` +
          `e.response.catch(function(){})}` +
          `for(i=0;i<r.length;i++){x=new RegExp(r[i][0]);if(x.test(p)){` +
          `if(r[i][1]&&!t&&!localStorage.getItem('luffy_refresh'))break;` +
          `if(r[i][3]&&(r[i][3].indexOf('?')<0||!location.search)){u=p.replace(x,r[i][3]);if(!r[i][1])a(u,'preload','fetch');else if(t)g(u)}` +
          `for(j=0;j<r[i][2].length;j++){f=r[i][2][j];if(/\\.css$/.test(f))a('/'+f,'preload','style');else a('/'+f,'modulepreload')}` +
          `break}}if(t)for(i=0;i<s.length;i++)g(s[i])}catch(e){}})()`
        // Before the stylesheet: a classic script after it would wait for the stylesheet to load before running.
        const tag = `<script>${script}</script>\n    `
        const at = html.indexOf('<link rel="stylesheet"')
        return at === -1 ? html.replace('</head>', `  ${tag}</head>`) : html.slice(0, at) + tag + html.slice(at)
      },
    },
  }
}

export default defineConfig(({ mode }) => ({
  base: '/',
  // Every component of the shop and of Element Plus is written with setup(): the build drops Vue's Options API
  // support (data/methods/computed options), ~4 KB of the entry chunk. Tests keep it (@vue/test-utils uses it).
  define: mode === 'test' ? {} : { __VUE_OPTIONS_API__: 'false' },
  plugins: [
    vue(),
    // Each <el-*> tag (and v-loading) becomes an import of that one component and its stylesheet in the SFC that
    // uses it, so a route's chunk carries only its own Element Plus parts and the entry stays small.
    // dirs: [] — the shop's own components are imported explicitly.
    Components({ resolvers: elementPlusResolvers, dirs: [], dts: false }),
    preloadLandingPage(),
    precompress(),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: backend, changeOrigin: false }])),
  },
  preview: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: backend, changeOrigin: false }])),
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
    manifest: true, // dist/.vite/manifest.json: scripts/bundle-size.mjs reads the entry's static imports
    rollupOptions: { output: { manualChunks: landingChunks() } },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.js'],
    setupFiles: ['tests/setup.js'],
    globals: false,
    restoreMocks: true,
    server: { deps: { inline: ['element-plus'] } },
  },
}))
