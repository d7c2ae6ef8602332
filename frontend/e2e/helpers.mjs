// Shared helpers for the end-to-end specs: playwright-core driving the system Chromium
// against the real shop (Django serving the built SPA, the API and the Alipay sandbox).
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'

export const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '')
export const DEMO = { mobile: '13800000000', password: 'luffy-demo-2026' }
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e-artifacts')
export const SLOW = Number(process.env.E2E_SLOWMO || 0)

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    slowMo: SLOW,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * A browser context for one test, with a screenshot helper that numbers its shots,
 * and a record of page errors (console errors are reported, not fatal: 4xx answers
 * the test provokes on purpose log as console errors in Chromium).
 */
export async function newSession(browser, testName, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN', baseURL: BASE })
  context.setDefaultTimeout(20_000)
  const dir = join(ARTIFACTS, testName.replace(/[^\w-]+/g, '_'))
  mkdirSync(dir, { recursive: true })
  let n = 0
  const pageErrors = []
  const consoleErrors = []
  const watch = (page) => {
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`))
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${page.url()}: ${m.text()}`))
  }
  context.on('page', watch)
  const snap = async (page, step) => {
    n += 1
    const file = join(dir, `${String(n).padStart(2, '0')}-${step}.png`)
    await page.screenshot({ path: file, fullPage: true }).catch(() => {})
    return file
  }
  return { context, snap, pageErrors, consoleErrors, dir }
}

// ---- the HTTP API (for set-up only: the contract's public endpoints) ----

export async function api(path, { method = 'GET', token, body } = {}) {
  const res = await fetch(`${BASE}/api${path}`, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  let data = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = text
  }
  return { status: res.status, data }
}

export async function apiLogin(username, password) {
  const r = await api('/users/login/', { method: 'POST', body: { username, password } })
  assert.equal(r.status, 200, `login ${username} failed: ${JSON.stringify(r.data)}`)
  return r.data
}

export function randomMobile() {
  const rest = String(Math.floor(Math.random() * 1e8)).padStart(8, '0')
  return `15${Math.floor(Math.random() * 10)}${rest}`
}

/** A brand-new student, registered through the public API. */
export async function registerFresh() {
  const password = 'Luffy-e2e-2026!'
  for (let i = 0; i < 5; i++) {
    const mobile = randomMobile()
    const r = await api('/users/register/', { method: 'POST', body: { mobile, password, password2: password } })
    if (r.status === 201) return { mobile, password, access: r.data.access, refresh: r.data.refresh }
  }
  throw new Error('could not register a fresh user')
}

const listOf = (d, ...keys) => {
  if (Array.isArray(d)) return d
  for (const k of [...keys, 'results']) if (d && Array.isArray(d[k])) return d[k]
  return []
}

/** Cancel the user's unpaid orders so checkout starts clean (coupons and credits come back). */
export async function cancelUnpaidOrders(token) {
  const r = await api('/orders/?status=0', { token })
  for (const o of listOf(r.data, 'orders')) {
    await api(`/orders/${o.order_number}/cancel/`, { method: 'POST', token })
  }
}

/** Unselect everything in the user's cart. */
export async function unselectCart(token) {
  await api('/cart/', { method: 'PUT', token, body: { selected: false } })
}

export async function ownedCourseIds(token) {
  const r = await api('/users/courses/', { token })
  return listOf(r.data, 'courses').map((x) => (x.course && typeof x.course === 'object' ? x.course.id : x.course_id))
}

// ---- the UI ----

export async function uiLogin(page, { mobile, password }, next = '/courses') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`)
  await page.getByTestId('login-username').fill(mobile)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => u.pathname === next.split('?')[0], { timeout: 15_000 })
}

/**
 * Walk the course list pages (as a user sees them) and return up to `want` course ids whose
 * card shows no "已购买" and whose price to pay is above zero (so the cashier is involved).
 */
export async function pickBuyableCourses(page, want, { exclude = [] } = {}) {
  const picked = []
  for (let p = 1; p <= 20 && picked.length < want; p++) {
    await page.goto(p === 1 ? '/courses' : `/courses?page=${p}`)
    const list = page.getByTestId('course-list')
    try {
      await list.waitFor({ timeout: 10_000 })
    } catch {
      break // an empty page: past the end
    }
    await page.locator('[data-testid=course-list][data-bought-known="1"]').waitFor()
    const cards = await page.getByTestId('course-card').all()
    if (!cards.length) break
    for (const card of cards) {
      const id = Number(await card.getAttribute('data-course-id'))
      if ((await card.getAttribute('data-bought')) === '1' || exclude.includes(id)) continue
      const priceEl = card.getByTestId('course-discount-price')
      const shown = (await priceEl.count()) ? await priceEl.innerText() : await card.getByTestId('course-price').innerText()
      if (/免费|¥0\.00$/.test(shown.trim())) continue
      picked.push({ id, page: p, name: (await card.getByTestId('course-name').innerText()).trim() })
      if (picked.length >= want) break
    }
    const next = page.locator('.el-pagination .btn-next:not([disabled])')
    if (!(await next.count())) break
  }
  return picked
}

/** Click "加入购物车" on the course's card (on its list page) and wait for the badge to move. */
export async function addFromCard(page, course) {
  await page.goto(course.page === 1 ? '/courses' : `/courses?page=${course.page}`)
  const card = page.locator(`[data-testid=course-card][data-course-id="${course.id}"]`)
  await card.waitFor()
  const before = Number(await page.getByTestId('cart-count').textContent())
  await card.getByTestId('add-to-cart').click()
  await page.waitForFunction(
    (b) => Number(document.querySelector('[data-testid=cart-count]').textContent) !== b ||
      !!document.querySelector('.el-message--success'),
    before,
  )
}

/** On /cart: make exactly these course ids selected. */
export async function selectOnly(page, ids) {
  await page.goto('/cart')
  await page.getByTestId('cart-list').waitFor()
  const rows = await page.getByTestId('cart-row').all()
  for (const row of rows) {
    const id = Number(await row.getAttribute('data-course-id'))
    const want = ids.includes(id) ? '1' : '0'
    if ((await row.getAttribute('data-selected')) !== want) {
      await row.getByTestId('cart-row-checkbox').click()
      await page.locator(`[data-testid=cart-row][data-course-id="${id}"][data-selected="${want}"]`).waitFor()
    }
  }
  await page.waitForTimeout(300) // let the PATCHes land before reading the selection server-side
}

/** Wait until the checkout quote has settled and return the text of the amount to pay. */
export async function settledQuote(page) {
  await page.getByTestId('quote-loading').waitFor({ state: 'detached', timeout: 15_000 }).catch(() => {})
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid=quote-real]')
    return el && el.textContent.trim().startsWith('¥') && !document.querySelector('[data-testid=quote-loading]')
  })
  return (await page.getByTestId('quote-real').innerText()).trim()
}

export function cashierUrl(url) {
  return /\/sandbox\/alipay\/cashier\//.test(url)
}

export { assert }
