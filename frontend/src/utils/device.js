/**
 * Which Alipay cashier this browser gets — the ONE place the SPA decides it:
 * 'mobile' → the phone (H5) cashier (alipay.trade.wap.pay), 'desktop' → page pay (QR code / login).
 *
 * A phone is a browser that says so (user agent, or Chromium's client hint), or one whose viewport is
 * narrower than PHONE_MAX_WIDTH: a phone asking for the desktop site still has a phone's width, and a
 * tablet (no "Mobi" in its user agent) keeps the desktop cashier, whose QR code a phone can scan.
 */
export const PHONE_MAX_WIDTH = 760 // the layout's own phone breakpoint (AppHeader, user pages)

const PHONE_USER_AGENT = /Mobi|iPhone|iPod|Windows Phone/i

/**
 * @param {{width?: number, userAgent?: string, uaMobile?: boolean}} [env] defaults: this window
 * @returns {'mobile'|'desktop'}
 */
export function payDevice(env = {}) {
  const width = env.width ?? window.innerWidth
  const userAgent = env.userAgent ?? navigator.userAgent ?? ''
  const uaMobile = env.uaMobile ?? /** @type {Navigator & {userAgentData?: {mobile?: boolean}}} */ (navigator).userAgentData?.mobile === true
  if (uaMobile || PHONE_USER_AGENT.test(userAgent)) return 'mobile'
  return Number.isFinite(width) && width > 0 && width <= PHONE_MAX_WIDTH ? 'mobile' : 'desktop'
}
