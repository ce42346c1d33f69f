import { describe, it, expect } from '@jest/globals'
import { ActionError, DOCS, messageOf } from '../src/errors.js'

describe('ActionError', () => {
  it('carries the stage, the message and its name', () => {
    const error = new ActionError('sts', 'AccessDenied: the role trust policy does not allow this repository')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ActionError')
    expect(error.stage).toBe('sts')
    expect(error.message).toBe('AccessDenied: the role trust policy does not allow this repository')
    expect(String(error)).toBe('ActionError: AccessDenied: the role trust policy does not allow this repository')
  })

  it('keeps the cause', () => {
    const cause = new Error('socket hang up')
    expect(new ActionError('oidc', 'token request failed', { cause }).cause).toBe(cause)
    expect(new ActionError('oidc', 'token request failed').cause).toBeUndefined()
  })
})

describe('messageOf', () => {
  it('returns the message of an Error without its stack or name', () => {
    const error = new TypeError('bad thing')
    expect(messageOf(error)).toBe('bad thing')
    expect(messageOf(new ActionError('policy', 'denied'))).toBe('denied')
  })

  it.each([
    ['a string', 'plain text', 'plain text'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['an object', { code: 'E' }, '[object Object]']
  ])('turns %s into text', (_what, value, text) => {
    expect(messageOf(value)).toBe(text)
  })
})

describe('DOCS', () => {
  it('is an https link ending in an anchor marker', () => {
    expect(new URL(DOCS).protocol).toBe('https:')
    expect(DOCS.endsWith('#')).toBe(true)
  })
})
