import { limitKey, parseTrustProxy, trustFunction } from '../../server/src/http/client-ip';
import { ConfigError, loadConfig } from '../../server/src/config';

describe('TRUST_PROXY', () => {
  it('is off by default and takes a hop count or the proxies’ addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback ,fd00::1' }).trustProxy).toEqual(['10.0.0.0/8', 'loopback', 'fd00::1']);
  });

  it('refuses `true` (it would trust whatever X-Forwarded-For a client writes) and nonsense, saying what to give', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: true would trust any X-Forwarded-For.*number of proxies/);
    expect(() => loadConfig({ TRUST_PROXY: '11' })).toThrow(/hop count is 1 to 10/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/not an address, a CIDR/);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example' })).toThrow(/not an address, a CIDR/);
    expect(parseTrustProxy('0')).toBe(false);
  });

  it('trusts exactly the nearest hops, or the listed proxies', () => {
    const one = trustFunction(1);
    expect([one('10.0.0.1', 0), one('10.0.0.2', 1)]).toEqual([true, false]);
    expect(trustFunction(false)('127.0.0.1', 0)).toBe(false);
    const list = trustFunction(['10.0.0.0/8', 'loopback']);
    expect([list('10.1.2.3', 0), list('127.0.0.1', 0), list('192.0.2.1', 0)]).toEqual([true, true, false]);
  });
});

describe('limitKey', () => {
  it('keys IPv4 by the address and IPv6 by its /64', () => {
    expect(limitKey('192.0.2.1')).toBe('192.0.2.1');
    expect(limitKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(limitKey('::FFFF:255.255.255.255')).toBe('255.255.255.255');
    // Written otherwise, an address is parsed: the same key as its plain form.
    expect(limitKey('0:0:0:0:0:ffff:c000:201')).toBe('192.0.2.1');
    expect(limitKey('192.0.2.256')).toBe('192.0.2.256');
    expect(limitKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8:1:3::1')).not.toBe(limitKey('2001:db8:1:2::1'));
    expect(limitKey(undefined)).toBe('unknown');
  });
});
