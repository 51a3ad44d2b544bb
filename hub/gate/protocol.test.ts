import { describe, expect, it } from 'vitest';
import { isPublicPath } from './protocol.ts';

describe('what the public address serves', () => {
  it('the ordering pages, their assets, dish photos and the API', () => {
    for (const path of ['/t/tbl_abc', '/order/', '/order', '/kiosk/', '/kiosk/assets/x.js', '/assets/index-1.js', '/media/ab-320.webp', '/api/v1/menu', '/api/v1/orders?status=open', '/favicon.ico']) {
      expect(isPublicPath(path), path).toBe(true);
    }
  });

  it('nothing of the staff side, and no way round the list', () => {
    for (const path of ['/', '/pos/', '/kds/', '/manager/', '/tables/qr', '/metrics', '/printers/sim', '/ca.crt', '/api/v1/../metrics', '/order/..%2f..%2fmetrics', '/api/v2/x', '/apiv1/']) {
      expect(isPublicPath(path), path).toBe(false);
    }
  });
});
