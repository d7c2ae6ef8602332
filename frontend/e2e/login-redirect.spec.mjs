// A page that needs login sends you to /login?next=… and back after login;
// an expired session (refresh refused) does the same.
import { test, before, after } from 'node:test'
import { assert, launch, newSession, registerFresh, BASE } from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

test('login redirect: /user/orders → /login?next → back to /user/orders', { timeout: 60_000 }, async () => {
  const session = await newSession(browser, 'login-redirect')
  const { context, snap } = session
  try {
    const user = await registerFresh()
    const page = await context.newPage()
    await page.goto('/user/orders?status=0')
    await page.waitForURL((u) => u.pathname === '/login')
    assert.equal(new URL(page.url()).searchParams.get('next'), '/user/orders?status=0')
    await snap(page, 'login-page')

    await page.getByTestId('login-username').fill(user.mobile)
    await page.getByTestId('login-password').fill(user.password)
    await page.getByTestId('login-submit').click()
    await page.waitForURL((u) => u.pathname === '/user/orders' && u.searchParams.get('status') === '0')
    await page.getByTestId('order-status-tabs').waitFor()
    await page.locator('[data-testid=order-status-tab][data-status="0"][aria-selected="true"]').waitFor()
    assert.match(await page.getByTestId('user-name').innerText(), /\d{4}|\S/)
    await snap(page, 'back-on-orders')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})

test('expired session: a refused refresh sends you to login and back', { timeout: 60_000 }, async () => {
  const session = await newSession(browser, 'expired-session')
  const { context, snap } = session
  try {
    const user = await registerFresh()
    // Tokens the server will not accept: the access is rejected and so is the refresh.
    await context.addInitScript(() => {
      if (!location.protocol.startsWith('http')) return // about:blank has no storage
      if (!sessionStorage.getItem('e2e-seeded')) {
        sessionStorage.setItem('e2e-seeded', '1')
        localStorage.setItem('luffy_access', 'expired.access.token')
        localStorage.setItem('luffy_refresh', 'expired.refresh.token')
      }
    })
    // Until we log in again, every API call with the planted tokens is refused (401, as the browser logs).
    const endAllowance = session.allowErrors({
      url: new RegExp(`^${BASE.replace(/[.]/g, '\\.')}/api/`),
      text: /status of 401/,
      why: 'the planted access and refresh tokens are refused',
    })
    const page = await context.newPage()
    await page.goto('/cart')
    await page.waitForURL((u) => u.pathname === '/login', { timeout: 20_000 })
    assert.equal(new URL(page.url()).searchParams.get('next'), '/cart')
    await snap(page, 'sent-to-login')
    await page.getByTestId('login-username').fill(user.mobile)
    await page.getByTestId('login-password').fill(user.password)
    assert.ok(session.allowedErrors.length >= 1, 'the planted tokens were refused')
    endAllowance()
    await page.getByTestId('login-submit').click()
    await page.waitForURL((u) => u.pathname === '/cart')
    await page.getByTestId('cart-empty').waitFor()
    await snap(page, 'back-on-cart')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})
