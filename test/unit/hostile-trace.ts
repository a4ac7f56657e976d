// A tcpdump trace whose host names are attacks. tcpdump without -n prints names from reverse
// DNS, which whoever runs the DNS server controls, and a log file can say anything. Used by the
// unit tests, the webview tests (test/webview/record-fixtures.mjs) and the e2e tests. No imports,
// so every one of them can load it.

/**
 * Host names as tcpdump would print them. None has a space (tcpdump's fields are separated by
 * spaces) and none has ": " (the end of the endpoints); each is a complete attack on some view.
 */
export const HOSTILE_NAMES = [
  // HTML: elements with handlers (no spaces: "/" and tabs separate attributes as well), a
  // closed attribute plus script, an SVG handler.
  '<img/src="x"/onerror=window.__pwned=1>',
  '<img\tsrc=x\tonerror=window.__pwned=6>',
  '"><script>window.__pwned=2</script>',
  '<svg/onload=window.__pwned=3>',
  // URLs: a script URL where a link might be made.
  'javascript:window.__pwned=4//',
  // Markdown (hovers, tooltips): a command link and a theme icon.
  '[x](command:workbench.action.terminal.new)',
  '$(alert)',
  // Template syntax and Mermaid's directive that switches its security level.
  "{{constructor.constructor('window.__pwned=5')()}}",
  '%%{init:{"securityLevel":"loose"}}%%',
  // Terminal control: ESC ] 0 ; title BEL retitles a terminal; CSI 2J clears it.
  '\x1b]0;pwned\x07\x1b[2J',
  // Entities that must stay literal, and a right-to-left override.
  '&lt;b&gt;&#x3c;i&#x3e;',
  'evil\u202etxt.exe',
];

/** One connection per name: handshake, a request and an answer, a four-way close. */
export function hostileTrace(names: readonly string[] = HOSTILE_NAMES): string {
  const out: string[] = [];
  names.forEach((name, k) => {
    const client = `${name}.${40000 + k}`;
    const server = `${name}.http`;
    const t = (ms: number) => `10:00:${String(k).padStart(2, '0')}.${String(ms * 1000).padStart(6, '0')}`;
    const isn = 1000 + k;
    const sisn = 5000 + k;
    out.push(
      `${t(0)} IP ${client} > ${server}: Flags [S], seq ${isn}, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0`,
      `${t(1)} IP ${server} > ${client}: Flags [S.], seq ${sisn}, ack ${isn + 1}, win 65535, options [mss 1460,sackOK,TS val 2 ecr 1,nop,wscale 7], length 0`,
      `${t(2)} IP ${client} > ${server}: Flags [.], ack 1, win 512, length 0`,
      `${t(3)} IP ${client} > ${server}: Flags [P.], seq 1:11, ack 1, win 512, length 10: HTTP: GET /${name} HTTP/1.1`,
      `${t(4)} IP ${server} > ${client}: Flags [P.], seq 1:21, ack 11, win 512, length 20: HTTP: HTTP/1.1 200 ${name}`,
      `${t(5)} IP ${client} > ${server}: Flags [F.], seq 11, ack 21, win 512, length 0`,
      `${t(6)} IP ${server} > ${client}: Flags [.], ack 12, win 512, length 0`,
      `${t(7)} IP ${server} > ${client}: Flags [F.], seq 21, ack 12, win 512, length 0`,
      `${t(8)} IP ${client} > ${server}: Flags [.], ack 22, win 512, length 0`,
    );
  });
  return out.join('\n') + '\n';
}
