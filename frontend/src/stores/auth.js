import { clearPrefetched } from '@/utils/prefetch'
import { defineStore } from 'pinia'
import { usersApi } from '@/api'

const ACCESS_KEY = 'luffy_access'
const REFRESH_KEY = 'luffy_refresh'

const storage = {
  get: (k) => {
    try {
      return window.localStorage.getItem(k)
    } catch {
      return null
    }
  },
  set: (k, v) => {
    try {
      if (v) window.localStorage.setItem(k, v)
      else window.localStorage.removeItem(k)
    } catch {
      /* private mode: keep the token in memory only */
    }
  },
}

export const useAuthStore = defineStore('auth', {
  state: () => ({
    access: storage.get(ACCESS_KEY),
    refresh: storage.get(REFRESH_KEY),
    /** @type {import('@/api/types').Schemas['Me'] | null} */
    user: null,
  }),
  getters: {
    isLoggedIn: (s) => !!(s.access || s.refresh),
    displayName: (s) => (s.user && (s.user.name || s.user.mobile)) || '',
  },
  actions: {
    setTokens({ access, refresh }) {
      clearPrefetched() // a new session (login, register, logout): nothing asked for the old one is shown
      this.access = access || null
      if (refresh !== undefined) this.refresh = refresh || null
      storage.set(ACCESS_KEY, this.access)
      storage.set(REFRESH_KEY, this.refresh)
    },
    setAccess(access) {
      this.access = access || null
      storage.set(ACCESS_KEY, this.access)
    },
    setRefresh(refresh) {
      this.refresh = refresh || null
      storage.set(REFRESH_KEY, this.refresh)
    },
    /** Take the tokens another tab wrote (it refreshed, which rotates the refresh token, or logged out). */
    syncFromStorage() {
      this.access = storage.get(ACCESS_KEY)
      this.refresh = storage.get(REFRESH_KEY)
      if (!this.isLoggedIn) this.user = null
    },
    async login(username, password) {
      const data = await usersApi.login(username, password)
      this.setTokens(data)
      await this.loadMe().catch(() => {})
      return data
    },
    async register(mobile, password, password2) {
      const data = await usersApi.register(mobile, password, password2)
      this.setTokens(data)
      await this.loadMe().catch(() => {})
      return data
    },
    /** @param {{early?: import('@/api/types').EarlyRequest | null}} [opts] */
    async loadMe(opts = {}) {
      if (!this.isLoggedIn) return null
      this.user = await usersApi.fetchMe(opts)
      return this.user
    },
    /**
     * Log out: this browser forgets the tokens at once, then the server is asked to revoke the refresh
     * token. A failed call (offline, token already expired) leaves the user logged out here all the same.
     */
    async logout() {
      const refresh = this.refresh
      this.forget()
      if (!refresh) return
      try {
        await usersApi.logout(refresh)
      } catch {
        /* logged out locally; the refresh token expires on its own */
      }
    },
    /** Forget the session locally only (the server already refused it: nothing left to revoke). */
    forget() {
      this.setTokens({ access: null, refresh: null })
      this.user = null
    },
  },
})
