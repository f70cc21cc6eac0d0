import { classifyIp } from '../../../../../services/enricher/enrichments/ip-class';

describe('classifyIp', () => {
  it.each([
    ['81.2.69.142', '81.2.69.142', 'public'],
    ['10.1.2.3', '10.1.2.3', 'private'],
    ['172.16.0.1', '172.16.0.1', 'private'],
    ['192.168.1.20', '192.168.1.20', 'private'],
    ['127.0.0.1', '127.0.0.1', 'loopback'],
    ['169.254.10.1', '169.254.10.1', 'link_local'],
    ['100.64.0.1', '100.64.0.1', 'carrier_grade_nat'],
    ['224.0.0.1', '224.0.0.1', 'multicast'],
    ['0.0.0.0', '0.0.0.0', 'unspecified'],
    ['240.0.0.1', '240.0.0.1', 'reserved'],
    ['2001:218::', '2001:218::', 'public'],
    ['::1', '::1', 'loopback'],
    ['fe80::1', 'fe80::1', 'link_local'],
    ['fd00::1', 'fd00::1', 'unique_local'],
    ['::ffff:192.168.1.1', '192.168.1.1', 'private'],
    [' 81.2.69.142 ', '81.2.69.142', 'public'],
  ])('%s is %s, %s', (input, ip, ipClass) => {
    expect(classifyIp(input)).toEqual({ ip, ipClass });
  });

  it.each(['not-an-ip', '999.1.1.1', '1.2.3', '0x7f.1', '12345', '1.2.3.4.5', ''])('%p is not an address', (input) => {
    expect(classifyIp(input)).toBeUndefined();
  });
});
