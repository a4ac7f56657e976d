// Comparing two Traces query by query, for the tests of the host-side snapshot and of
// incremental re-analysis.

import * as assert from 'node:assert/strict';
import type { Trace } from '../../src/trace';
import { ColumnTrace } from '../../src/trace/columnTrace';
import { cloneSnapshot, snapshotTransferList, type TraceSnapshot } from '../../src/trace/snapshot';

/** What crossing a worker boundary does to the snapshot: a structured clone, buffers transferred. */
export function post(s: TraceSnapshot): TraceSnapshot {
  return structuredClone(s, { transfer: snapshotTransferList(s) });
}

/** The trace as the extension host gets it from the worker: its columns copied and posted. */
export function restored(trace: Trace): ColumnTrace {
  return new ColumnTrace(post(cloneSnapshot((trace as ColumnTrace).snapshot)));
}

/** Every query of the Trace interface, answered by both, must agree. */
export function assertSame(got: Trace, want: Trace, what: string): void {
  assert.equal(got.lines, want.lines, `${what}: lines`);
  assert.equal(got.packetCount, want.packetCount, `${what}: packetCount`);
  assert.equal(got.skipped, want.skipped, `${what}: skipped`);
  assert.deepStrictEqual(got.problems, want.problems, `${what}: problems`);
  assert.deepStrictEqual(got.halfOpenFloods, want.halfOpenFloods, `${what}: halfOpenFloods`);
  // The host's summaries read the arrays on demand; each field, and the whole as JSON, must match.
  assert.equal(got.connections.length, want.connections.length, `${what}: connection count`);
  got.connections.forEach((c, i) => {
    const w = want.connections[i] as unknown as Record<string, unknown>;
    for (const k of Object.keys(w)) assert.deepStrictEqual((c as unknown as Record<string, unknown>)[k], w[k], `${what}: connection ${i} ${k}`);
  });
  assert.deepStrictEqual(JSON.parse(JSON.stringify(got.connections)), JSON.parse(JSON.stringify(want.connections)), `${what}: connections as JSON`);
  for (let i = 0; i < want.packetCount; i++) assert.deepStrictEqual(got.packet(i), want.packet(i), `${what}: packet ${i}`);
  for (const c of want.connections) assert.deepStrictEqual(got.packetsOf(c.id), want.packetsOf(c.id), `${what}: packetsOf ${c.id}`);
  for (let line = -1; line <= want.lines + 2; line++) {
    assert.equal(got.packetAtLine(line), want.packetAtLine(line), `${what}: packetAtLine ${line}`);
  }
  // The census at every line: before the first packet, inside connections, after their ends,
  // and past the end (TIME_WAIT expiring with trace time).
  for (let line = 0; line <= want.lines + 1; line++) assert.deepStrictEqual(got.census(line), want.census(line), `${what}: census ${line}`);
  assert.deepStrictEqual(got.toJSON(), want.toJSON(), `${what}: toJSON()`);
  assert.deepStrictEqual(got.toJSON(true), want.toJSON(true), `${what}: toJSON(true)`);
  assert.equal(JSON.stringify(got.toJSON(true)), JSON.stringify(want.toJSON(true)), `${what}: JSON text`);
}
