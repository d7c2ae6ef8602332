// Logging out in the storefront revokes the refresh token on the server: it can no longer refresh.
import { test, before, after } from 'node:test'
import { assert, api, launch, newSession, registerFresh } from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

test('logout: the header button revokes the refresh token and logs out', { timeout: 60_000 }, async () => {
  const session = await newSession(browser, 'logout-revokes')
  const { context, snap } = session
  try {
    const user = await registerFresh()
    const page = await context.newPage()
    await page.goto('/login')
    await page.getByTestId('login-username').fill(user.mobile)
    await page.getByTestId('login-password').fill(user.password)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('logout').waitFor()
    const refresh = await page.evaluate(() => localStorage.getItem('luffy_refresh'))
    assert.ok(refresh, 'logged in with a refresh token')

    const revoked = page.waitForResponse((r) => r.url().endsWith('/api/users/logout/'))
    await page.getByTestId('logout').click()
    assert.equal((await revoked).status(), 204)
    await page.getByTestId('nav-login').waitFor()
    assert.equal(await page.evaluate(() => localStorage.getItem('luffy_refresh')), null)
    await snap(page, 'logged-out')

    const again = await api('/users/token/refresh/', { method: 'POST', body: { refresh } })
    assert.equal(again.status, 401)
    assert.equal(again.data.code, 'token_invalid')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})
