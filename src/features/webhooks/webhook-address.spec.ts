import { isForbiddenAddress, urlFormProblem, urlTargetProblem } from './webhook-address.js';

describe('forbidden webhook addresses', () => {
  it.each([
    '0.0.0.0', '0.255.1.2', '10.0.0.1', '10.255.255.255', '100.64.0.1', '100.127.255.254', '127.0.0.1', '127.8.9.10',
    '169.254.169.254', '172.16.0.1', '172.31.255.255', '192.168.0.1', '::', '::1', 'fc00::1', 'fdff:ffff::1', 'fe80::1', 'febf::1',
    '::ffff:127.0.0.1', '::ffff:10.1.2.3', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::127.0.0.1', 'not-an-address',
    // Benchmarking, IETF-reserved, multicast, reserved and broadcast.
    '198.18.0.1', '198.19.255.255', '192.0.0.8', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255', 'ff02::1',
    // NAT64 and 6to4 carrying a forbidden IPv4 address.
    '64:ff9b::7f00:1', '64:ff9b::127.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::a00:1', '2002:7f00:1::', '2002:a9fe:a9fe::1',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['1.1.1.1', '93.184.215.14', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.167.1.1', '169.253.0.1', '2606:4700::1111', '::ffff:8.8.8.8', 'fec0::1', '198.17.255.255', '198.20.0.0', '223.255.255.255', '64:ff9b::808:808', '64:ff9b::8.8.4.4', '2002:808:808::1'])(
    'takes %s',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  it('takes http(s) URLs without credentials only', () => {
    expect(urlFormProblem('https://hooks.example.org/in?x=1')).toBeUndefined();
    expect(urlFormProblem('http://[2606:4700::1111]:8443/in')).toBeUndefined();
    expect(urlFormProblem('ftp://hooks.example.org/in')).toMatch(/http or https/);
    expect(urlFormProblem('https://user:secret@hooks.example.org/in')).toMatch(/credentials/);
    expect(urlFormProblem('/relative')).toMatch(/absolute/);
  });

  it('follows names to their addresses, unless private addresses are allowed', async () => {
    expect(await urlTargetProblem('http://localhost:8080/in', false)).toMatch(/loopback, private, link-local or metadata/);
    expect(await urlTargetProblem('http://localhost:8080/in', true)).toBeUndefined();
    expect(await urlTargetProblem('http://[::ffff:7f00:1]/in', false)).toMatch(/::ffff:7f00:1/);
    expect(await urlTargetProblem('https://no-such-host.invalid/in', true)).toMatch(/does not resolve/);
  });
});
