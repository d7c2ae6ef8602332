// Shared helpers for the end-to-end specs: playwright-core driving the system Chromium
// against the real shop (Django serving the built SPA, the API and the Alipay sandbox).
import { chromium } from 'playwright-core'
import { mkdirSync, rmSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { after } from 'node:test'
import assert from 'node:assert/strict'

export const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, '')
export const DEMO = { mobile: '13800000000', password: 'luffy-demo-2026' }
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e-artifacts')
export const SLOW = Number(process.env.E2E_SLOWMO || 0)
/** The repository root: manage.py lives there (set-up that no public API offers runs through it). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

// Every browser launched, closed by the after hook below even when an earlier hook failed (a browser
// left open keeps the spec's process alive).
const browsers = []

export async function launch() {
  const browser = await chromium.launch({
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
  browsers.push(browser)
  return browser
}

// Every session's browser errors, checked after each spec file even if a test forgot to (see below).
const sessions = []

/**
 * A browser context for one test, with a screenshot helper that numbers its shots and a record of the
 * browser's errors: uncaught page errors and console errors (which include "Failed to load resource" for
 * every 4xx/5xx answer). Any of them fails the test at `assertNoBrowserErrors()`, except console errors
 * matching an entry of `allow` — only for errors the test provokes on purpose, each with its reason:
 *   { url: /regex on the console message's source URL/, text: /regex on its text/, why: 'the reason' }
 * Page errors (uncaught exceptions) are never allowed. `allowErrors(rule)` adds a rule mid-test, just
 * before the step that provokes it (and ends it, through the function it returns, once that step is over).
 */
export async function newSession(browser, testName, { width = 1280, height = 900, allow = [], timezoneId } = {}) {
  // timezoneId: the browser's own time zone (e.g. 'America/New_York'); the shop shows Beijing time whatever it is.
  const context = await browser.newContext({
    viewport: { width, height },
    locale: 'zh-CN',
    baseURL: BASE,
    ...(timezoneId ? { timezoneId } : {}),
  })
  context.setDefaultTimeout(20_000)
  const dir = join(ARTIFACTS, testName.replace(/[^\w-]+/g, '_'))
  rmSync(dir, { recursive: true, force: true }) // this run's shots only
  mkdirSync(dir, { recursive: true })
  let n = 0
  const rules = [...allow]
  const pageErrors = []
  const consoleErrors = [] // unexpected ones
  const allowedErrors = [] // matched an allow rule
  const watch = (page) => {
    page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() !== 'error') return
      const source = (m.location() && m.location().url) || ''
      const line = `${page.url()}: ${m.text()}${source ? ` (${source})` : ''}`
      const rule = rules.find((r) => r.url.test(source) && r.text.test(m.text()))
      if (rule) allowedErrors.push(`${line} — allowed: ${rule.why}`)
      else consoleErrors.push(line)
    })
  }
  context.on('page', watch)
  const snap = async (page, step) => {
    n += 1
    const file = join(dir, `${String(n).padStart(2, '0')}-${step}.png`)
    await page.screenshot({ path: file, fullPage: true }).catch(() => {})
    return file
  }
  const session = {
    testName,
    context,
    snap,
    pageErrors,
    consoleErrors,
    allowedErrors,
    dir,
    checked: false,
    /** Allow console errors matching `rule` from now on; returns a function that ends the allowance. */
    allowErrors(rule) {
      assert.ok(rule.url instanceof RegExp && rule.text instanceof RegExp && rule.why, 'an allow rule needs url, text, why')
      rules.push(rule)
      return () => rules.splice(rules.indexOf(rule), 1)
    },
    /** Fail on any uncaught page error or unexpected console error seen so far in this session. */
    assertNoBrowserErrors() {
      session.checked = true
      assert.deepEqual(pageErrors, [], `uncaught errors in the pages of ${testName}`)
      assert.deepEqual(consoleErrors, [], `unexpected browser console errors in ${testName}`)
    },
  }
  sessions.push(session)
  return session
}

// A spec that never called assertNoBrowserErrors() (or failed before it) still fails when its pages
// logged errors: this hook runs once every test of the spec file is done.
after(async () => {
  try {
    const missed = sessions.filter((s) => !s.checked && (s.pageErrors.length || s.consoleErrors.length))
    assert.deepEqual(
      missed.map((s) => ({ test: s.testName, pageErrors: s.pageErrors, consoleErrors: s.consoleErrors })),
      [],
      'browser errors in sessions that were not checked',
    )
  } finally {
    await Promise.all(browsers.map((b) => b.close().catch(() => {})))
  }
})

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
  return { status: res.status, data, retryAfter: Number(res.headers.get('retry-after')) || 0 }
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
  for (let i = 0; i < 10; i++) {
    const mobile = randomMobile()
    const r = await api('/users/register/', { method: 'POST', body: { mobile, password, password2: password } })
    if (r.status === 201) return { mobile, password, access: r.data.access, refresh: r.data.refresh }
    // The shop lets one address register 10 times a minute (THROTTLE_REGISTER); the whole suite registers more than
    // that, and a fast run can do so within one minute: wait as the 429 says, then try again.
    if (r.status === 429) await new Promise((resolve) => setTimeout(resolve, Math.min(r.retryAfter || 10, 60) * 1000))
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

// ---- the shop's own records (manage.py shell) and the sandbox's control API ----

const execFileP = promisify(execFile)

/**
 * Run Python in the shop's Django (`manage.py shell -c`, the same settings and VAR_DIR as the shop under
 * test: scripts/e2e.sh exports them). `args` arrive as the dict `args`; the code sets `result`, which comes
 * back as JSON. For set-up no public API offers (staff users) and for reading what the shop recorded.
 */
export async function shopPython(code, args = {}) {
  const python = process.env.E2E_PYTHON || join(ROOT, '.venv', 'bin', 'python')
  const script = `import json, os\nargs = json.loads(os.environ["E2E_ARGS"])\nresult = None\n${code}\n` +
    'print("E2E-JSON " + json.dumps(result, default=str, ensure_ascii=False))\n'
  const { stdout } = await execFileP(python, ['manage.py', 'shell', '-c', script], {
    cwd: ROOT,
    env: { ...process.env, E2E_ARGS: JSON.stringify(args) },
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  })
  const line = stdout.split('\n').reverse().find((l) => l.startsWith('E2E-JSON '))
  assert.ok(line, `manage.py shell printed no result:\n${stdout}`)
  return JSON.parse(line.slice('E2E-JSON '.length))
}

/** The shop's PaymentEvent rows of an order, oldest first: {kind, direction, verdict, outcome, provider_trade_no, params}. */
export function paymentEvents(orderNumber) {
  return shopPython(
    `from luffycityapi.apps.payments.models import PaymentEvent
result = list(PaymentEvent.objects.filter(order_number=args["order"]).order_by("created_time", "id")
              .values("id", "kind", "direction", "verified", "verdict", "outcome", "provider_trade_no", "params"))`,
    { order: orderNumber },
  )
}

/** A staff user in one of the data-migration groups ("support", "finance"); created or reset. */
export function staffUser(username, password, group) {
  return shopPython(
    `from django.contrib.auth.models import Group
from luffycityapi.apps.users.models import User
user = User.objects.filter(username=args["username"]).first() or User(username=args["username"], mobile=args["mobile"])
user.is_staff, user.is_superuser, user.is_active = True, False, True
user.set_password(args["password"])
user.save()
user.groups.set([Group.objects.get(name=args["group"])])
result = {"id": user.id, "perms": sorted(user.get_all_permissions())}`,
    // 100… numbers cannot be registered by students (see seed_demo), so staff never collide with one.
    { username, password, group, mobile: `100${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` },
  )
}

/** Give a student credits through the shop's ledger service (a "系统赠送" entry). */
export function giftCredits(mobile, number, remark) {
  return shopPython(
    `from luffycityapi.apps.users.models import Credit, User
from luffycityapi.apps.users.services import credit_change
user = User.objects.get(mobile=args["mobile"])
credit_change(user_id=user.id, number=args["number"], operation=Credit.Operation.GIFT, remark=args["remark"])
user.refresh_from_db()
result = {"credit": user.credit}`,
    { mobile, number, remark },
  )
}

/** The Alipay sandbox's control API (luffycityapi/apps/alipay_sandbox/README.md). */
export async function sim(path, { method = 'GET', body } = {}) {
  const res = await fetch(`${BASE}/sandbox/alipay/__sim__/${path}`, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  })
  const data = await res.json().catch(() => null)
  assert.equal(res.status, 200, `sandbox ${method} ${path}: ${res.status} ${JSON.stringify(data)}`)
  return data
}

/**
 * A paid order of a fresh student, made through the public API and the sandbox: cart → order → pay link
 * (followed to the cashier, as a browser would) → the sandbox pays it (notify) → the shop says paid.
 */
export async function apiPaidOrder(user, courseIds) {
  const token = user.access
  for (const id of courseIds) {
    const added = await api('/cart/', { method: 'POST', token, body: { course_id: id } })
    assert.equal(added.status, 201, `add ${id} to the cart: ${JSON.stringify(added.data)}`)
  }
  await unselectCart(token)
  for (const id of courseIds) await api('/cart/', { method: 'PATCH', token, body: { course_id: id, selected: true } })
  const created = await api('/orders/', { method: 'POST', token, body: { pay_type: 0, user_coupon_id: -1, credit: 0 } })
  assert.equal(created.status, 201, `create the order: ${JSON.stringify(created.data)}`)
  const orderNumber = created.data.order_number
  const link = await api(`/payments/alipay/${orderNumber}/`, { token })
  assert.equal(link.status, 200, `pay link: ${JSON.stringify(link.data)}`)
  const hop = await fetch(link.data.link, { redirect: 'manual' }) // page.pay → 302 to the cashier
  assert.equal(hop.status, 302, 'the gateway sends the buyer to the cashier')
  await sim(`trades/${orderNumber}/pay`, { method: 'POST' })
  for (let i = 0; i < 60; i++) {
    const r = await api(`/orders/${orderNumber}/`, { token })
    if (r.data && r.data.order_status === 1) return r.data
    await new Promise((done) => setTimeout(done, 500))
  }
  assert.fail(`order ${orderNumber} did not become paid through the notify`)
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

/** Click "加入购物车" on the course's card (on its list page) and wait for the badge to move; a card that already
 * says 已在购物车 (the course is in the cart) is left as it is. */
export async function addFromCard(page, course) {
  await page.goto(course.page === 1 ? '/courses' : `/courses?page=${course.page}`)
  const card = page.locator(`[data-testid=course-card][data-course-id="${course.id}"]`)
  await card.waitFor()
  await card.locator('[data-testid=add-to-cart], [data-testid=in-cart]').first().waitFor()
  if (await card.getByTestId('in-cart').count()) return // the card says 已在购物车: nothing to add
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

// Click 去支付 on the checkout or my orders: the SPA opens Alipay's cashier in a new tab; returns that tab once the
// sandbox cashier has loaded in it.
export async function payInNewTab(page, context) {
  const popupPromise = context.waitForEvent('page')
  await page.getByTestId('pay-button').click()
  const cashier = await popupPromise
  await cashier.waitForURL((u) => cashierUrl(u.href), { timeout: 20_000 })
  return cashier
}

// WeChat Pay Native in the pay overlay: the code_url drawn as a QR code, the countdown, and no cashier tab (the
// buyer scans). Returns the overlay's order number.
export async function expectWechatQr(page, context) {
  await page.getByTestId('pay-overlay').waitFor()
  const qr = page.getByTestId('pay-qr')
  await qr.waitFor()
  assert.match(await qr.getAttribute('data-code-url'), /^weixin:\/\/wxpay\/bizpayurl\?pr=/)
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code is drawn')
  await page.getByTestId('pay-countdown').waitFor()
  assert.equal(await page.getByTestId('pay-overlay').getAttribute('data-state'), 'waiting')
  assert.equal(context.pages().length, 1, 'no cashier tab: the buyer scans')
  return (await page.getByTestId('pay-order-number').innerText()).trim()
}

// The overlay's dev link opens the local WeChat Pay sandbox's scan page (it plays the phone), which pays the order.
export async function payOnScanPage(page, context, orderNumber) {
  const [phone] = await Promise.all([context.waitForEvent('page'), page.getByTestId('pay-sandbox-scan').click()])
  await phone.locator('#scan-pay').waitFor()
  assert.equal(await phone.locator('#scan-out-trade-no').innerText(), orderNumber)
  await phone.locator('#scan-pay').click()
  await phone.locator('#scan-paid').waitFor()
  await phone.close()
}

export { assert }
