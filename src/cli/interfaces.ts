// Network interfaces of this host by index, as tcpdump names them in Linux cooked v2 captures.

import { readdirSync, readFileSync } from 'node:fs';

let interfaceNames: Map<number, string> | null = null;

/**
 * The name of a network interface of this host by its index, as tcpdump prints it for Linux
 * cooked v2 captures (`tcpdump -i any`); tcpdump asks the host it runs on, and so does this.
 */
export function hostInterfaceName(index: number): string | undefined {
  if (!interfaceNames) {
    interfaceNames = new Map();
    try {
      for (const n of readdirSync('/sys/class/net')) interfaceNames.set(Number(readFileSync(`/sys/class/net/${n}/ifindex`, 'utf8')), n);
    } catch {
      // Not Linux: the names print as "?".
    }
  }
  return interfaceNames.get(index);
}
