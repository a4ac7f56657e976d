// The state diagram's edge labels, RFC 9293's "event / action" (states.ts TRANSITIONS), in the
// display language. The panel gets them from the host with its other words.
import { TRANSITIONS } from '../trace/states';
import { t } from './l10n';

export function transitionLabel(label: string): string {
  switch (label) {
    case 'passive OPEN': return t('passive OPEN');
    case 'active OPEN / snd SYN': return t('active OPEN / snd SYN');
    case 'rcv SYN / snd SYN,ACK': return t('rcv SYN / snd SYN,ACK');
    case 'SEND / snd SYN': return t('SEND / snd SYN');
    case 'CLOSE': return t('CLOSE');
    case 'rcv SYN,ACK / snd ACK': return t('rcv SYN,ACK / snd ACK');
    case 'rcv RST': return t('rcv RST');
    case 'rcv ACK of SYN': return t('rcv ACK of SYN');
    case 'rcv SYN,ACK (ACK of SYN) / snd ACK': return t('rcv SYN,ACK (ACK of SYN) / snd ACK');
    case 'CLOSE / snd FIN': return t('CLOSE / snd FIN');
    case 'rcv RST (passive open)': return t('rcv RST (passive open)');
    case 'rcv FIN / snd ACK': return t('rcv FIN / snd ACK');
    case 'rcv ACK of FIN': return t('rcv ACK of FIN');
    case 'Timeout = 2MSL': return t('Timeout = 2MSL');
    case 'ABORT / snd RST': return t('ABORT / snd RST');
    default: return label;
  }
}

/** Every edge label, keyed `edge:<RFC label>`, for the panel's words. */
export function transitionLabels(): Record<string, string> {
  return Object.fromEntries(TRANSITIONS.map((tr) => [`edge:${tr.label}`, transitionLabel(tr.label)]));
}
