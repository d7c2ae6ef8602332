// jsdom lacks a few browser APIs Element Plus touches.
if (!globalThis.ResizeObserver) {
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
}
if (!window.matchMedia) {
  window.matchMedia = () => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} })
}
if (!window.scrollTo || !window.scrollTo._mock) {
  window.scrollTo = () => {}
  window.scrollTo._mock = true
}
