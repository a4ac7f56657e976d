// The panel's HTML and Content-Security-Policy. Free of 'vscode' so the webview tests load the
// panel in Chromium with exactly this markup and policy.
//
// The policy: nothing by default; scripts only with this page's nonce (no inline handlers, no
// eval); styles, fonts and images only from the extension's own webview folder; no <base>,
// no form targets. A trace's text never goes into this HTML: the webview receives it as data
// and puts it in the DOM as text nodes.

export interface PanelHtmlOptions {
  /** webview.cspSource: the origin VS Code serves local resources from. */
  cspSource: string;
  /** A fresh random value per page load. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  lang: string;
}

export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const attr = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function panelHtml(o: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="${attr(o.lang)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(panelCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>TCP Trace</title>
</head>
<body>
<div id="app" role="application"></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}

/** 128 random bits as hex. */
export function makeNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
