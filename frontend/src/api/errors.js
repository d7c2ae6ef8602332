// Turn a failed request (client.js's ApiError) into the text a view shows. The server's `errmsg` wins.
// Views and stores switch on errorCode(e), typed as the schema's ErrorCode enum: a code the server does not
// define is a type error in `npm test`.

/** @typedef {import('./types').ErrorCode} ErrorCode */
/** @typedef {import('./types').ErrorBody} ErrorBody */

/**
 * The error's answer, {status, data}, if the server answered.
 * @param {any} error
 * @returns {{status: number, data: any} | undefined}
 */
function responseOf(error) {
  return (error && error.response) || undefined
}

/**
 * The JSON body of an API error ({errmsg, code, ...}), or {}.
 * @param {unknown} error
 * @returns {Partial<ErrorBody>}
 */
export function errorBody(error) {
  const data = responseOf(error)?.data
  return data && typeof data === 'object' && !Array.isArray(data) ? data : {}
}

/**
 * The stable machine code of an API error ({errmsg, code}), or ''.
 * @param {unknown} error
 * @returns {ErrorCode | ''}
 */
export function errorCode(error) {
  return errorBody(error).code || ''
}

function firstFieldMessage(data) {
  for (const value of Object.values(data)) {
    if (typeof value === 'string' && value) return value
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0]
  }
  return ''
}

/**
 * Human message for a failed request: errmsg, else detail, else a field error, else a fallback.
 * @param {any} error
 * @param {string} [fallback]
 */
export function errorMessage(error, fallback = '操作失败，请稍后重试') {
  if (!error) return fallback
  const res = responseOf(error)
  if (!res) {
    if (error.kind === 'timeout') return '请求超时，请稍后重试'
    if (error.kind === 'network' || error.message === 'Network Error' || error.message === 'Failed to fetch') {
      return '网络连接失败，请检查网络'
    }
    return error.message || fallback
  }
  const data = res.data
  if (data && typeof data === 'object') {
    if (data.errmsg) return String(data.errmsg)
    if (data.detail) return String(data.detail)
    const field = firstFieldMessage(data)
    if (field) return field
  }
  if (res.status >= 500) return `服务器开小差了（${res.status}），请稍后重试`
  return fallback
}
