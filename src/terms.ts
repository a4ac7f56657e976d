// Short explanations of the words tcpdump prints on a TCP line (flags, options, fields),
// in English and Simplified Chinese. Used by hovers.
import type { Lang } from './config';

type Text = { en: string; zh: string };

const FLAG_TEXT: Record<string, Text> = {
  S: { en: '**SYN**: synchronize sequence numbers; opens a connection and carries the initial sequence number (ISN).', zh: '**SYN**：同步序列号，用于建立连接，携带初始序列号（ISN）。' },
  F: { en: '**FIN**: the sender has no more data (closes its direction); it consumes one sequence number.', zh: '**FIN**：发送方不再发送数据（关闭自己的方向），占用一个序列号。' },
  R: { en: '**RST**: reset; aborts the connection at once, or refuses a connection to a closed port.', zh: '**RST**：复位，立即中止连接，或拒绝到未监听端口的连接。' },
  P: { en: '**PSH**: push; deliver the buffered data to the application now.', zh: '**PSH**：推送，要求接收方立即把数据交给应用。' },
  '.': { en: '**ACK** (tcpdump prints `.`): the ack field is valid; it acknowledges everything before that number.', zh: '**ACK**（tcpdump 显示为 `.`）：确认号有效，确认该序号之前的所有数据。' },
  U: { en: '**URG**: the urgent pointer is valid.', zh: '**URG**：紧急指针有效。' },
  E: { en: '**ECE**: ECN echo; the receiver saw congestion (or, on a SYN, offers ECN).', zh: '**ECE**：ECN 回显，接收方检测到拥塞（在 SYN 上表示支持 ECN）。' },
  W: { en: '**CWR**: congestion window reduced, the answer to ECE.', zh: '**CWR**：拥塞窗口已减小，是对 ECE 的响应。' },
  e: { en: '**AE**: accurate ECN flag (AccECN).', zh: '**AE**：精确 ECN 标志（AccECN）。' },
};

/** tcpdump prints `Flags [none]` for a segment with no flag bits. */
const NO_FLAGS: Text = {
  en: 'No flags at all: not a valid segment in any TCP state, so it changes no state. Sent by scanners (a NULL scan): a closed port answers RST, an open one nothing.',
  zh: '没有任何标志：在任何 TCP 状态下都不是有效报文，不改变任何状态。常由扫描器发送（NULL 扫描）：关闭的端口回应 RST，开放的端口不回应。',
};

const WORD_TEXT: Record<string, Text> = {
  flags: { en: 'The TCP flags: S=SYN, F=FIN, R=RST, P=PSH, .=ACK, U=URG, E=ECE, W=CWR.', zh: 'TCP 标志：S=SYN，F=FIN，R=RST，P=PSH，.=ACK，U=URG，E=ECE，W=CWR。' },
  syn: FLAG_TEXT.S,
  fin: FLAG_TEXT.F,
  rst: FLAG_TEXT.R,
  psh: FLAG_TEXT.P,
  ack: { en: '**ack**: the acknowledgment number, the next sequence number the sender expects from the peer (relative unless tcpdump -S).', zh: '**ack**：确认号，即期望对端发送的下一个序列号（除非使用 tcpdump -S，否则为相对值）。' },
  seq: { en: '**seq**: sequence number of the first byte in this segment; `a:b` is the byte range [a, b) (relative unless tcpdump -S).', zh: '**seq**：本报文段第一个字节的序列号；`a:b` 表示字节范围 [a, b)（除非使用 tcpdump -S，否则为相对值）。' },
  win: { en: '**win**: the receive window the sender advertises, in bytes before window scaling. 0 means "stop sending" (zero window).', zh: '**win**：发送方通告的接收窗口（未乘窗口缩放因子）。0 表示“暂停发送”（零窗口）。' },
  length: { en: '**length**: TCP payload bytes in this segment.', zh: '**length**：本报文段的 TCP 负载字节数。' },
  options: { en: '**options**: TCP options; most are negotiated only on SYN and SYN,ACK.', zh: '**options**：TCP 选项，大多只在 SYN 和 SYN,ACK 中协商。' },
  mss: { en: '**mss**: maximum segment size the sender can receive. The effective MSS is the smaller of the two sides\' values.', zh: '**mss**：发送方能接收的最大报文段长度。实际生效的 MSS 取双方中较小的值。' },
  sackok: { en: '**sackOK**: selective acknowledgment permitted (RFC 2018); used only if both SYNs carry it.', zh: '**sackOK**：允许选择性确认（RFC 2018），仅当双方 SYN 都带此选项时启用。' },
  sack: { en: '**sack**: selective acknowledgment blocks: byte ranges received beyond the ack number (a hole means loss).', zh: '**sack**：选择性确认块，表示已收到的、ack 之后的字节范围（中间的空洞意味着丢包）。' },
  wscale: { en: '**wscale**: window scale shift (RFC 7323); the window is multiplied by 2^n. Used only if both SYNs carry it.', zh: '**wscale**：窗口缩放因子（RFC 7323），窗口值乘以 2^n。仅当双方 SYN 都带此选项时启用。' },
  ts: { en: '**TS**: timestamps option (RFC 7323): `val` is the sender\'s clock, `ecr` echoes the peer\'s latest val; used for RTT and PAWS.', zh: '**TS**：时间戳选项（RFC 7323）：`val` 是发送方时钟，`ecr` 回显对端最近的 val；用于测量 RTT 和防止序号回绕（PAWS）。' },
  val: { en: '**TS val**: the sender\'s timestamp clock.', zh: '**TS val**：发送方的时间戳时钟值。' },
  ecr: { en: '**TS ecr**: timestamp echo reply, the latest TS val received from the peer (0 on a first SYN).', zh: '**TS ecr**：时间戳回显，即最近收到的对端 TS val（首个 SYN 中为 0）。' },
  nop: { en: '**nop**: padding between options.', zh: '**nop**：选项之间的填充。' },
  eol: { en: '**eol**: end of the option list.', zh: '**eol**：选项列表结束。' },
  tfo: { en: '**tfo**: TCP Fast Open (RFC 7413): a cookie lets data ride on the SYN.', zh: '**tfo**：TCP 快速打开（RFC 7413），凭 cookie 可在 SYN 中携带数据。' },
  cksum: { en: '**cksum**: the TCP checksum; "incorrect" on outgoing packets is usually checksum offload, not corruption.', zh: '**cksum**：TCP 校验和；出站报文显示 "incorrect" 通常是网卡校验和卸载，并非损坏。' },
  urg: { en: '**urg**: the urgent pointer.', zh: '**urg**：紧急指针。' },
  md5: { en: '**md5**: TCP MD5 signature option (RFC 2385), used by BGP.', zh: '**md5**：TCP MD5 签名选项（RFC 2385），常用于 BGP。' },
  mptcp: { en: '**mptcp**: Multipath TCP option (RFC 8684).', zh: '**mptcp**：多路径 TCP 选项（RFC 8684）。' },
};

/** An explanation of the word at a position, or undefined. `[S.]` explains each flag. */
export function explainTerm(word: string, lang: Lang): string | undefined {
  if (word === '[none]') return NO_FLAGS[lang];
  if (/^\[[SFRPUEWe.]*\]$/.test(word)) {
    const chars = [...word.slice(1, -1)];
    if (!chars.length) return lang === 'zh' ? '没有设置任何标志。' : 'No flags set.';
    return chars.map((c) => FLAG_TEXT[c]?.[lang]).filter(Boolean).join('\n\n');
  }
  return WORD_TEXT[word.toLowerCase()]?.[lang];
}

/** Matches what explainTerm accepts, for getWordRangeAtPosition. */
export const TERM_PATTERN = /\[none\]|\[[SFRPUEWe.]*\]|[A-Za-z][A-Za-z-]*/;
