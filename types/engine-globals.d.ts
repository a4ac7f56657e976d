// The only globals the engine (src/trace) may use: those every JavaScript runtime it runs in
// has (Node, the browser, a worker). src/trace/tsconfig.json gives the engine these and no
// others, so a use of node, vscode or the DOM fails its type check.

declare class TextEncoder {
  encode(input?: string): Uint8Array;
  encodeInto(src: string, dest: Uint8Array): { read: number; written: number };
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}

declare const performance: { now(): number };
