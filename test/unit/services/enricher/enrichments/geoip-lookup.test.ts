import path from 'node:path';
import { GEOIP_TEST_DIR } from '../../../../harness/test-enricher';
import { isLogpipeError } from '../../../../../lib/errors';
import { GeoIpLookup } from '../../../../../services/enricher/enrichments/geoip-lookup';

// MaxMind's official test databases (test/fixtures/geoip, MIT); expected values from the .json beside them.
const db = (name: string) => path.join(GEOIP_TEST_DIR, name);

describe('GeoIpLookup with MaxMind test databases', () => {
  const geoip = GeoIpLookup.open({ cityDb: db('GeoLite2-City-Test.mmdb'), asnDb: db('GeoLite2-ASN-Test.mmdb') });

  it.each([
    ['81.2.69.142', { country_iso: 'GB', country_name: 'United Kingdom', city: 'London', lat: 51.5142, lon: -0.0931, asn: null, as_org: null }],
    ['89.160.20.128', { country_iso: 'SE', country_name: 'Sweden', city: 'Linköping', lat: 58.4167, lon: 15.6167, asn: 29518, as_org: 'Bredband2 AB' }],
    ['216.160.83.56', { country_iso: 'US', country_name: 'United States', city: 'Milton', lat: 47.2513, lon: -122.3149, asn: 209, as_org: null }],
    ['2001:218::', { country_iso: 'JP', country_name: 'Japan', city: null, lat: 35.68536, lon: 139.75309, asn: null, as_org: null }],
    ['1.128.0.0', { country_iso: null, country_name: null, city: null, lat: null, lon: null, asn: 1221, as_org: 'Telstra Pty Ltd' }],
  ])('%s', (ip, expected) => {
    expect(geoip.lookup(ip)).toEqual(expected);
  });

  it('returns undefined for an address neither database holds', () => {
    expect(geoip.lookup('8.8.8.8')).toBeUndefined();
  });

  it('is disabled without databases', () => {
    expect(GeoIpLookup.open({}).enabled).toBe(false);
  });

  it.each<[string, { cityDb?: string; asnDb?: string }, RegExp]>([
    ['a missing file', { cityDb: db('nope.mmdb') }, /GeoIP City database .*nope\.mmdb cannot be read: ENOENT/],
    ['a corrupt database', { cityDb: db('GeoIP2-City-Test-Invalid-Node-Count.mmdb') }, /is not a valid MaxMind database: its search tree \(700000 bytes by the node count\) is larger than the file/],
    ['an ASN database given as City', { cityDb: db('GeoLite2-ASN-Test.mmdb') }, /it is a GeoLite2-ASN database, expected a City one/],
    ['a City database given as ASN', { asnDb: db('GeoLite2-City-Test.mmdb') }, /it is a GeoLite2-City database, expected a ASN one/],
    ['a file that is not a database', { asnDb: db('README.md') }, /GeoIP ASN database .*README\.md is not a valid MaxMind database/],
  ])('refuses %s at start with ENRICH_GEOIP_DATABASE', (_case, paths, message) => {
    let error: unknown;
    try {
      GeoIpLookup.open(paths);
    } catch (err) {
      error = err;
    }
    expect(isLogpipeError(error, 'ENRICH_GEOIP_DATABASE')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
