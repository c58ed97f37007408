// The HTTP upstream of scripts/topology.sh, on 127.0.0.1:<port>: GET /ip answers {"origin":"<client address>"} as
// httpbin does; any other path answers the request described as JSON. Usage: node topology-upstream.js <port>
'use strict';
const http = require('http');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('usage: node topology-upstream.js <port>');
  process.exit(2);
}

http.createServer((req, res) => {
  const origin = (req.socket.remoteAddress || '').replace(/^::ffff:/, '');
  const path = req.url.split('?')[0];
  const body = path === '/ip' ? { origin } : { origin, method: req.method, url: req.url, headers: req.headers };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}).listen(port, '127.0.0.1', () => console.log(`upstream listening on 127.0.0.1:${port}`));
