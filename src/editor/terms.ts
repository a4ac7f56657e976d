// Short explanations of the words tcpdump prints on a TCP line (flags, options, fields), for the
// hover over a word. What a packet means is explain.ts's; labels and counts are describe.ts's.
import { t } from './l10n';

/** A flag letter of tcpdump's, explained. */
function flagText(flag: string): string | undefined {
  switch (flag) {
    case 'S': return t('**SYN**: synchronize sequence numbers; opens a connection and carries the initial sequence number (ISN).');
    case 'F': return t('**FIN**: the sender has no more data (closes its direction); it consumes one sequence number.');
    case 'R': return t('**RST**: reset; aborts the connection at once, or refuses a connection to a closed port.');
    case 'P': return t('**PSH**: push; deliver the buffered data to the application now.');
    case '.': return t('**ACK** (tcpdump prints `.`): the ack field is valid; it acknowledges everything before that number.');
    case 'U': return t('**URG**: the urgent pointer is valid.');
    case 'E': return t('**ECE**: ECN echo; the receiver saw congestion (or, on a SYN, offers ECN).');
    case 'W': return t('**CWR**: congestion window reduced, the answer to ECE.');
    case 'e': return t('**AE**: accurate ECN flag (AccECN).');
    default: return undefined;
  }
}

/** A word on a TCP line (lower case), explained. */
function wordText(word: string): string | undefined {
  switch (word) {
    case 'flags': return t('The TCP flags: S=SYN, F=FIN, R=RST, P=PSH, .=ACK, U=URG, E=ECE, W=CWR.');
    case 'syn': return flagText('S');
    case 'fin': return flagText('F');
    case 'rst': return flagText('R');
    case 'psh': return flagText('P');
    case 'ack': return t('**ack**: the acknowledgment number, the next sequence number the sender expects from the peer (relative unless tcpdump -S).');
    case 'seq': return t('**seq**: sequence number of the first byte in this segment; `a:b` is the byte range [a, b) (relative unless tcpdump -S).');
    case 'win': return t('**win**: the receive window the sender advertises, in bytes before window scaling. 0 means "stop sending" (zero window).');
    case 'length': return t('**length**: TCP payload bytes in this segment.');
    case 'options': return t('**options**: TCP options; most are negotiated only on SYN and SYN,ACK.');
    case 'mss': return t('**mss**: maximum segment size the sender can receive. The effective MSS is the smaller of the two sides\' values.');
    case 'sackok': return t('**sackOK**: selective acknowledgment permitted (RFC 2018); used only if both SYNs carry it.');
    case 'sack': return t('**sack**: selective acknowledgment blocks: byte ranges received beyond the ack number (a hole means loss).');
    case 'wscale': return t('**wscale**: window scale shift (RFC 7323); the window is multiplied by 2^n. Used only if both SYNs carry it.');
    case 'ts': return t('**TS**: timestamps option (RFC 7323): `val` is the sender\'s clock, `ecr` echoes the peer\'s latest val; used for RTT and PAWS.');
    case 'val': return t('**TS val**: the sender\'s timestamp clock.');
    case 'ecr': return t('**TS ecr**: timestamp echo reply, the latest TS val received from the peer (0 on a first SYN).');
    case 'nop': return t('**nop**: padding between options.');
    case 'eol': return t('**eol**: end of the option list.');
    case 'tfo': return t('**tfo**: TCP Fast Open (RFC 7413): a cookie lets data ride on the SYN.');
    case 'cksum': return t('**cksum**: the TCP checksum; "incorrect" on outgoing packets is usually checksum offload, not corruption.');
    case 'urg': return t('**urg**: the urgent pointer.');
    case 'md5': return t('**md5**: TCP MD5 signature option (RFC 2385), used by BGP.');
    case 'mptcp': return t('**mptcp**: Multipath TCP option (RFC 8684).');
    default: return undefined;
  }
}

/** An explanation of the word at a position, or undefined. `[S.]` explains each flag; `[none]` is tcpdump's word for a segment with no flag bits. */
export function explainTerm(word: string): string | undefined {
  if (word === '[none]') return t('No flags at all: not a valid segment in any TCP state, so it changes no state. Sent by scanners (a NULL scan): a closed port answers RST, an open one nothing.');
  if (/^\[[SFRPUEWe.]*\]$/.test(word)) {
    const chars = [...word.slice(1, -1)];
    if (!chars.length) return t('No flags set.');
    return chars.map(flagText).filter(Boolean).join('\n\n');
  }
  return wordText(word.toLowerCase());
}

/** Matches what explainTerm accepts, for getWordRangeAtPosition. */
export const TERM_PATTERN = /\[none\]|\[[SFRPUEWe.]*\]|[A-Za-z][A-Za-z-]*/;

/** The figures under a connection's Performance node in the Connections view. */
export type FigureKey =
  | 'verdict' | 'rttClient' | 'rttServer' | 'throughputClient' | 'throughputServer'
  | 'timeToFirstByte' | 'serverResponse' | 'handshakeSplit' | 'unknown';

/** What a Performance figure means and how it is worked out: its tooltip. */
export function figureText(key: FigureKey): string {
  switch (key) {
    case 'verdict': return t('What held the connection back most: each moment between two packets is put down to one cause (receiver window, loss, application, server think time, handshake, delayed ACK, or nothing in particular); the cause with the most time is the verdict.');
    case 'rttClient': return t('Round-trip time of the client\'s data: from each segment to the server\'s first ACK covering it, as seen at the capture point (tshark\'s ack_rtt; never from a retransmitted segment). p50 is the median, p95 the value 95% of samples stay under.');
    case 'rttServer': return t('Round-trip time of the server\'s data: from each segment to the client\'s first ACK covering it, as seen at the capture point (tshark\'s ack_rtt; never from a retransmitted segment). p50 is the median, p95 the value 95% of samples stay under.');
    case 'throughputClient': return t('Payload the client sent, over the time from its first segment with data to its last.');
    case 'throughputServer': return t('Payload the server sent, over the time from its first segment with data to its last.');
    case 'timeToFirstByte': return t('From the client\'s first data segment (the request) to the server\'s first (the response): a round trip plus the server\'s work.');
    case 'serverResponse': return t('From the server\'s ACK of the whole request to its first response byte: the time the server spent working, without the network.');
    case 'handshakeSplit': return t('The handshake\'s time in two parts: SYN to SYN,ACK is the round trip on the server\'s side of the capture point, SYN,ACK to ACK the one on the client\'s side. The larger part says where the delay sits.');
    case 'unknown': return t('What the text does not carry, so some figures cannot be worked out. Nothing is guessed.');
  }
}
