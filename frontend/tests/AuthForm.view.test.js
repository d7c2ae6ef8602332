import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'

vi.mock('@/api/users', () => ({ login: vi.fn(), register: vi.fn(), fetchMe: vi.fn() }))
vi.mock('@/api/cart', () => ({ fetchCart: vi.fn() }))
import * as usersApi from '@/api/users'
import * as cartApi from '@/api/cart'
import { createAppRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'
import Login from '@/views/Login.vue'
import Register from '@/views/Register.vue'

let pinia, router
async function mountAt(view, path) {
  router = createAppRouter({ isLoggedIn: () => useAuthStore(pinia).isLoggedIn, history: createMemoryHistory() })
  router.push(path)
  await router.isReady()
  const w = mount(view, { global: { plugins: [pinia, router, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  return w
}

beforeEach(() => {
  vi.resetAllMocks()
  window.localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
  usersApi.fetchMe.mockResolvedValue({ id: 1, mobile: '13800000000' })
  cartApi.fetchCart.mockResolvedValue({ cart: [] })
})
afterEach(() => {
  document.body.innerHTML = ''
})

describe('login / register pages', () => {
  it('login: logs in and goes back to ?next=', async () => {
    usersApi.login.mockResolvedValue({ access: 'a', refresh: 'r' })
    const w = await mountAt(Login, '/login?next=/cart')
    expect(w.get('[data-testid=goto-register]').attributes('href')).toBe('/register?next=/cart')
    await w.get('[data-testid=login-username]').setValue('13800000000')
    await w.get('[data-testid=login-password]').setValue('secret-1')
    await w.get('[data-testid=login-submit]').trigger('submit')
    await flushPromises()
    expect(usersApi.login).toHaveBeenCalledWith('13800000000', 'secret-1')
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/cart'))
    w.unmount()
  })

  it('login: shows the server errmsg under the form', async () => {
    usersApi.login.mockRejectedValue({ response: { status: 400, data: { errmsg: '账号或密码错误', code: 'bad_credentials' } } })
    const w = await mountAt(Login, '/login')
    await w.get('[data-testid=login-username]').setValue('13800000000')
    await w.get('[data-testid=login-password]').setValue('wrong')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid=login-error]').text()).toBe('账号或密码错误')
    expect(router.currentRoute.value.path).toBe('/login')
    w.unmount()
  })

  it('register: refuses mismatched passwords without calling the server', async () => {
    const w = await mountAt(Register, '/register')
    await w.get('[data-testid=register-mobile]').setValue('13900000000')
    await w.get('[data-testid=register-password]').setValue('secret-1')
    await w.get('[data-testid=register-password2]').setValue('secret-2')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(usersApi.register).not.toHaveBeenCalled()
    expect(router.currentRoute.value.path).toBe('/register')
    w.unmount()
  })

  it('register: registers and goes home without ?next=', async () => {
    usersApi.register.mockResolvedValue({ access: 'a', refresh: 'r' })
    const w = await mountAt(Register, '/register')
    expect(w.get('[data-testid=goto-login]').attributes('href')).toBe('/login')
    await w.get('[data-testid=register-mobile]').setValue('13900000000')
    await w.get('[data-testid=register-password]').setValue('secret-1')
    await w.get('[data-testid=register-password2]').setValue('secret-1')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(usersApi.register).toHaveBeenCalledWith('13900000000', 'secret-1', 'secret-1')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/'))
    w.unmount()
  })
})
