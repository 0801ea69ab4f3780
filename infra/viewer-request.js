// Viewer-request function of the e2e report site (CloudFront Functions, cloudfront-js-2.0).
//
// 1. Viewers whose IP address is outside the allowlist get 403. The allowlist is the
//    template's ViewerCidrs parameter (IPv4 and IPv6 CIDRs), written into the code below by
//    Fn::Sub when the stack is deployed. An entry that does not parse matches nobody.
// 2. A URI ending in "/" is served from its index.html; a last path segment without a dot
//    ("/latest/main") is redirected (302) to the slash form ("/latest/main/"), so the
//    relative links of the page it reaches resolve inside its folder. Other URIs and the
//    query string pass unchanged.
//
// This file is the source; infra/template.yaml holds a copy (FunctionCode). After editing it,
// run `python infra/inline_function.py`. No template literals here: Fn::Sub owns that syntax.

var ALLOWED = parseCidrs('${AllowedCidrs}');

function parseIpv4(text) {
  var parts = text.split('.');
  if (parts.length !== 4) return null;
  var bytes = [];
  for (var i = 0; i < 4; i++) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(parts[i])) return null;
    var value = parseInt(parts[i], 10);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

function parseIpv6(text) {
  // Hex groups only: an embedded IPv4 tail (::ffff:1.2.3.4) or a zone (%eth0) is refused.
  if (!/^[0-9A-Fa-f:]+$/.test(text)) return null;
  var halves = text.split('::');
  if (halves.length > 2) return null;
  var head = halves[0] ? halves[0].split(':') : [];
  var tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  var missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  var groups = head.slice();
  for (var i = 0; i < missing; i++) groups.push('0');
  groups = groups.concat(tail);
  var words = [];
  for (var j = 0; j < groups.length; j++) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(groups[j])) return null;
    words.push(parseInt(groups[j], 16));
  }
  return words;
}

// An address as its parts (4 bytes or 8 16-bit words) and the bit width of one part.
function parseAddress(text) {
  var v4 = parseIpv4(text);
  if (v4) return { parts: v4, width: 8 };
  var v6 = parseIpv6(text);
  return v6 ? { parts: v6, width: 16 } : null;
}

function parseCidrs(list) {
  var networks = [];
  var entries = list.split(',');
  for (var i = 0; i < entries.length; i++) {
    var pieces = entries[i].trim().split('/');
    if (pieces.length !== 2 || !/^(0|[1-9][0-9]{0,2})$/.test(pieces[1])) continue;
    var network = parseAddress(pieces[0]);
    var bits = parseInt(pieces[1], 10);
    if (!network || bits > network.parts.length * network.width) continue;
    network.bits = bits;
    networks.push(network);
  }
  return networks;
}

function contains(network, address) {
  if (address.width !== network.width) return false;
  var left = network.bits;
  for (var i = 0; i < address.parts.length && left > 0; i++) {
    var take = left < network.width ? left : network.width;
    var mask = ((1 << take) - 1) << (network.width - take);
    if ((address.parts[i] & mask) !== (network.parts[i] & mask)) return false;
    left -= take;
  }
  return true;
}

function isAllowed(ip) {
  var address = typeof ip === 'string' ? parseAddress(ip) : null;
  if (!address) return false;
  for (var i = 0; i < ALLOWED.length; i++) {
    if (contains(ALLOWED[i], address)) return true;
  }
  return false;
}

function queryString(querystring) {
  var pairs = [];
  for (var name in querystring) {
    var entry = querystring[name];
    var values = entry.multiValue ? entry.multiValue : [entry];
    for (var i = 0; i < values.length; i++) {
      pairs.push(values[i].value === '' ? name : name + '=' + values[i].value);
    }
  }
  return pairs.length ? '?' + pairs.join('&') : '';
}

function handler(event) {
  var request = event.request;
  if (!isAllowed(event.viewer && event.viewer.ip)) {
    return {
      statusCode: 403,
      statusDescription: 'Forbidden',
      headers: { 'cache-control': { value: 'no-store' } },
    };
  }
  var uri = request.uri;
  if (uri.charAt(uri.length - 1) === '/') {
    request.uri = uri + 'index.html';
    return request;
  }
  if (uri.slice(uri.lastIndexOf('/') + 1).indexOf('.') === -1) {
    // One leading slash only: "//host" in a Location header would leave the site. Control
    // characters go first: browsers drop tab, CR and LF from a URL, so "/\t/evil" is "//evil".
    var path = '/' + uri.replace(/[\x00-\x1f\x7f]/g, '').replace(/^[\/\\]+/, '');
    return {
      statusCode: 302,
      statusDescription: 'Found',
      headers: {
        location: { value: path + '/' + queryString(request.querystring) },
        'cache-control': { value: 'no-store' },
      },
    };
  }
  return request;
}
