// Helper types over the generated schema (schema.d.ts, `npm run gen:api`): what client.js's methods take and answer
// for a given path. Hand-written, but with no shape of its own: every body type comes from the schema.
import type { components, paths } from './schema'

export type Schemas = components['schemas']
/** The shop's error codes (the server's ErrorCode enum, published in the schema). */
export type ErrorCode = Schemas['ErrorCodeEnum']
/** An error body: {errmsg, code, ...}. */
export type ErrorBody = Schemas['Error']

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type Json<R> = R extends { content: { 'application/json': infer T } } ? T : undefined

/** The paths that have an operation for `M`. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never
}[keyof paths]
export type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>

/** The JSON body of the operation's success answer (200, 201 or 202; undefined for 204). */
export type Success<O> = O extends { responses: infer R }
  ? Json<R[Extract<keyof R, 200 | 201 | 202 | 204>]>
  : never
export type RequestBody<O> = O extends { requestBody?: infer B } ? Json<NonNullable<B>> : never
export type Query<O> = O extends { parameters: { query?: infer Q } } ? Q : never
export type PathParams<O> = O extends { parameters: { path?: infer Q } } ? Q : never

export interface Options<O> {
  /** Values for the path's {placeholders}. */
  path?: PathParams<O>
  query?: Query<O>
  /** A raw query string ("?a=1&b=2") appended as it is (the Alipay return relay). */
  search?: string
  /** Send no bearer token (login, register, logout, refresh). */
  skipAuth?: boolean
  /** Do not refresh and retry on 401. */
  skipRefresh?: boolean
  timeout?: number
  /** The same GET already sent by index.html's inline script (utils/early.js): its answer is used for the first
   * try when it was sent with the token this request would send. */
  early?: EarlyRequest | null
}
/** A GET index.html's inline script sent with the page (vite.config.js preloadLandingPage). */
export interface EarlyRequest {
  url: string
  token: string
  at: number
  response: Promise<Response>
}
export interface BodyOptions<O> extends Options<O> {
  body?: RequestBody<O>
}
