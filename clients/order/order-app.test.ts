import { describe, expect, it } from 'vitest';
import { tokenFromLocation } from './order-app.ts';

describe('the QR page address', () => {
  it('reads the table token from /t/<token>', () => {
    expect(tokenFromLocation({ pathname: '/t/tbl_abc-DEF_1', search: '' })).toBe('tbl_abc-DEF_1');
    expect(tokenFromLocation({ pathname: '/t/tbl_abc/', search: '' })).toBe('tbl_abc');
    expect(tokenFromLocation({ pathname: '/order/', search: '?t=tbl_x' })).toBe('tbl_x');
    expect(tokenFromLocation({ pathname: '/order/', search: '' })).toBeNull();
  });
});
