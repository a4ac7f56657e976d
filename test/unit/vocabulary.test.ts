// The engine's vocabulary tables: TCP flags (flags.ts) and the per-connection figures
// (connectionColumns.ts). Everything that reads or writes flags and connection rows derives
// from them, so a slip here shows everywhere.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText } from '../../src/trace';
import { CONNECTION_FIELDS, COLUMN, FLOAT_STRIDE, INT_STRIDE, LIST_STRIDE } from '../../src/trace/connectionColumns';
import { Flag, FLAG_NAME_OF_LETTER, FLAG_OF_LETTER, flagString, TCP_FLAGS, WIRE_LETTERS } from '../../src/trace/flags';
import { fixture } from './helpers';

describe('vocabulary: TCP flags', () => {
  it('gives each flag one letter, one header bit and one engine bit', () => {
    for (const key of ['flag', 'letter', 'wire', 'name'] as const) {
      assert.equal(new Set(TCP_FLAGS.map((f) => f[key])).size, TCP_FLAGS.length, `${key} repeated`);
    }
    for (const f of TCP_FLAGS) {
      assert.equal(FLAG_OF_LETTER[f.letter.charCodeAt(0)], f.flag, f.letter);
      assert.equal(FLAG_NAME_OF_LETTER[f.letter], f.name);
    }
    assert.equal(FLAG_OF_LETTER['x'.charCodeAt(0)], 0, 'not a flag letter');
  });

  it('prints header bits in tcpdump\'s order and flag sets in the JSON\'s', () => {
    // print-tcp.c: FIN SYN RST PUSH ACK URG ECE CWR for bits 0..7.
    assert.equal(WIRE_LETTERS, 'FSRP.UEW');
    assert.equal(flagString(Flag.SYN | Flag.ACK), 'S.');
    assert.equal(flagString(Flag.FIN | Flag.PSH | Flag.ACK), 'FP.');
    assert.equal(flagString(Flag.SYN | Flag.ECE | Flag.CWR), 'SWE');
    assert.equal(flagString(0), 'none');
    assert.equal(flagString(Flag.UNKNOWN), '');
  });
});

describe('vocabulary: per-connection figures', () => {
  it('lists every path once and stores each in its own column', () => {
    const paths = CONNECTION_FIELDS.map((f) => f.path);
    assert.equal(new Set(paths).size, paths.length);
    const ints = new Set<number>();
    const floats = new Set<number>();
    for (const f of CONNECTION_FIELDS) {
      if (f.kind === 'id' || f.kind === 'events') continue;
      const col = COLUMN[f.path];
      const set = f.kind === 'list' ? null : f.kind === 'float' || f.kind === 'internalFloat' ? floats : ints;
      if (set) {
        assert.ok(!set.has(col), `${f.path} shares column ${col}`);
        set.add(col);
      } else assert.ok(col >= 0 && col < LIST_STRIDE, f.path);
    }
    assert.equal(ints.size, INT_STRIDE);
    assert.equal(floats.size, FLOAT_STRIDE);
  });

  it('has a field for every key of a real summary, in the JSON\'s order', () => {
    const t = analyzeText(readFileSync(fixture('sample.tcpdump'), 'utf8'));
    const leaves: string[] = [];
    const walk = (o: Record<string, unknown>, at: string) => {
      for (const [k, v] of Object.entries(o)) {
        const path = at ? `${at}.${k}` : k;
        if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, path);
        else leaves.push(path);
      }
    };
    const withOptions = t.connections.find((c) => c.handshake.wscale && c.handshake.client && c.handshake.server);
    assert.ok(withOptions, 'a connection with negotiated options');
    walk(JSON.parse(JSON.stringify(withOptions)), '');
    const stored = CONNECTION_FIELDS.filter((f) => f.kind !== 'present' && !['packet', 'internal', 'internalFloat'].includes(f.kind)).map((f) => f.path);
    assert.deepEqual(leaves, stored);
  });
});
