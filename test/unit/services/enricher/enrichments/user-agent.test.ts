import { parseUserAgent } from '../../../../../services/enricher/enrichments/user-agent';

describe('parseUserAgent', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', { browser: 'Chrome', browser_version: '126.0.0.0', os: 'Windows', os_version: '10', device_type: 'desktop' }],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', { browser: 'Mobile Safari', browser_version: '17.5', os: 'iOS', os_version: '17.5', device_type: 'mobile' }],
    ['Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1', { browser: 'Mobile Safari', browser_version: '16.0', os: 'iOS', os_version: '16.0', device_type: 'tablet' }],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', { browser: null, browser_version: null, os: null, os_version: null, device_type: 'bot' }],
    ['curl/8.5.0', { browser: null, browser_version: null, os: null, os_version: null, device_type: 'bot' }],
    ['aws-cli/2.15.0 Python/3.11.6 Linux/6.1 botocore/2.0', { browser: null, browser_version: null, os: 'Linux', os_version: null, device_type: 'bot' }],
    ['something odd', { browser: null, browser_version: null, os: null, os_version: null, device_type: 'other' }],
  ])('%s', (ua, expected) => {
    expect(parseUserAgent(ua)).toEqual(expected);
  });
});
