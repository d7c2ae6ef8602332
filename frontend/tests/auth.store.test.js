import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('@/api/users', () => ({ login: vi.fn(), register: vi.fn(), fetchMe: vi.fn(), logout: vi.fn() }))
import * as usersApi from '@/api/users'
import { useAuthStore } from '@/stores/auth'

beforeEach(() => {
  localStorage.clear()
  vi.resetAllMocks()
  setActivePinia(createPinia())
})

describe('auth store', () => {
  it('login keeps both tokens (also in localStorage) and loads the profile', async () => {
    usersApi.login.mockResolvedValue({ access: 'A', refresh: 'R' })
    usersApi.fetchMe.mockResolvedValue({ id: 1, mobile: '13800000000', name: '', credit: 1000, money: '0.00' })
    const auth = useAuthStore()
    await auth.login('13800000000', 'pw')
    expect(usersApi.login).toHaveBeenCalledWith('13800000000', 'pw')
    expect(auth.isLoggedIn).toBe(true)
    expect(localStorage.getItem('luffy_access')).toBe('A')
    expect(localStorage.getItem('luffy_refresh')).toBe('R')
    expect(auth.displayName).toBe('13800000000')
  })

  it('a failed login leaves the user logged out and rethrows', async () => {
    usersApi.login.mockRejectedValue({ response: { status: 401, data: { errmsg: '用户名或密码错误' } } })
    const auth = useAuthStore()
    await expect(auth.login('x', 'y')).rejects.toBeTruthy()
    expect(auth.isLoggedIn).toBe(false)
  })

  it('register logs in with the returned tokens', async () => {
    usersApi.register.mockResolvedValue({ id: 2, mobile: '13900000000', access: 'A2', refresh: 'R2' })
    usersApi.fetchMe.mockResolvedValue({ id: 2, mobile: '13900000000', name: '小明', credit: 0, money: '0.00' })
    const auth = useAuthStore()
    await auth.register('13900000000', 'pw', 'pw')
    expect(usersApi.register).toHaveBeenCalledWith('13900000000', 'pw', 'pw')
    expect(auth.access).toBe('A2')
    expect(auth.displayName).toBe('小明')
  })

  it('a refreshed access token is stored; logout forgets everything', () => {
    const auth = useAuthStore()
    auth.setTokens({ access: 'A', refresh: 'R' })
    auth.setAccess('A-new')
    expect(localStorage.getItem('luffy_access')).toBe('A-new')
    auth.logout()
    expect(auth.isLoggedIn).toBe(false)
    expect(localStorage.getItem('luffy_access')).toBe(null)
    expect(localStorage.getItem('luffy_refresh')).toBe(null)
  })

  it('reads tokens saved by an earlier visit', () => {
    localStorage.setItem('luffy_access', 'old')
    localStorage.setItem('luffy_refresh', 'oldR')
    const auth = useAuthStore()
    expect(auth.isLoggedIn).toBe(true)
    expect(auth.refresh).toBe('oldR')
  })

  it('logout forgets the session at once and asks the server to revoke the refresh token', async () => {
    let resolve
    usersApi.logout.mockReturnValue(new Promise((r) => (resolve = r)))
    const auth = useAuthStore()
    auth.setTokens({ access: 'A', refresh: 'R' })
    auth.user = { id: 1, mobile: '13800000000' }
    const done = auth.logout()
    // Logged out here before the server has answered.
    expect(auth.isLoggedIn).toBe(false)
    expect(auth.user).toBe(null)
    expect(localStorage.getItem('luffy_refresh')).toBe(null)
    expect(usersApi.logout).toHaveBeenCalledWith('R')
    resolve()
    await done
  })

  it('a failed revoke call still leaves the user logged out', async () => {
    usersApi.logout.mockRejectedValue({ response: { status: 503, data: { errmsg: 'down' } } })
    const auth = useAuthStore()
    auth.setTokens({ access: 'A', refresh: 'R' })
    await expect(auth.logout()).resolves.toBeUndefined()
    expect(auth.isLoggedIn).toBe(false)
    expect(localStorage.getItem('luffy_access')).toBe(null)
  })

  it('forget (a session the server already refused) does not call the server', () => {
    const auth = useAuthStore()
    auth.setTokens({ access: 'A', refresh: 'R' })
    auth.forget()
    expect(auth.isLoggedIn).toBe(false)
    expect(usersApi.logout).not.toHaveBeenCalled()
  })

  it('a rotated refresh token is stored, and tokens another tab wrote are taken over', () => {
    const auth = useAuthStore()
    auth.setTokens({ access: 'A', refresh: 'R' })
    auth.setRefresh('R2')
    expect(localStorage.getItem('luffy_refresh')).toBe('R2')
    localStorage.setItem('luffy_access', 'A3')
    localStorage.setItem('luffy_refresh', 'R3')
    auth.syncFromStorage()
    expect([auth.access, auth.refresh]).toEqual(['A3', 'R3'])
    localStorage.clear()
    auth.syncFromStorage()
    expect(auth.isLoggedIn).toBe(false)
  })
})
