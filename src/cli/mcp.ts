// `tcp-trace mcp`: the assistants' tools (src/tools/traceTools.ts) as a Model Context Protocol
// server on standard input and output. Each call names its trace by a file path; the server
// reads that file and nothing else, never writes, and keeps the last traces it read so a
// conversation's questions about one trace read it once.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Trace } from '../trace';
import { printable } from '../trace/report';
import { findTool, inputSchema, ToolInputError, toolInput, TRACE_TOOLS } from '../tools/traceTools';
import { version } from '../../package.json';

/** Reads a trace file as the CLI does (text or capture). */
export type LoadTrace = (file: string) => Promise<Trace>;

/** Traces kept, by path; a file changed on disk (size or time) is read again. */
const KEEP = 2;

interface Kept {
  size: number;
  mtimeMs: number;
  trace: Promise<Trace>;
}

class TraceFiles {
  private readonly kept = new Map<string, Kept>();
  constructor(private readonly load: LoadTrace) {}

  get(file: string): Promise<Trace> {
    const path = resolve(file);
    let stat;
    try {
      stat = statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ToolInputError(code === 'ENOENT' ? `no such file: ${printable(path)}` : `cannot read ${printable(path)}: ${(e as Error).message}`);
    }
    if (!stat.isFile()) throw new ToolInputError(`${printable(path)} is not a file${stat.isDirectory() ? ' (a directory)' : ''}: give the path of a tcpdump text file or a pcap/pcapng capture`);
    const old = this.kept.get(path);
    if (old && old.size === stat.size && old.mtimeMs === stat.mtimeMs) {
      // Most recently used last.
      this.kept.delete(path);
      this.kept.set(path, old);
      return old.trace;
    }
    const trace = this.load(path);
    this.kept.delete(path);
    this.kept.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, trace });
    trace.catch(() => this.kept.delete(path));
    while (this.kept.size > KEEP) this.kept.delete(this.kept.keys().next().value!);
    return trace;
  }
}

/** Serves the tools until standard input closes. */
export async function serveMcp(load: LoadTrace): Promise<void> {
  const files = new TraceFiles(load);
  const server = new Server({ name: 'tcp-trace', version }, { capabilities: { tools: {} } });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: TRACE_TOOLS.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: inputSchema(t, true),
      annotations: { readOnlyHint: true, openWorldHint: false },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const tool = findTool(request.params.name);
    if (!tool) return failure(`no tool named ${request.params.name}; the tools are ${TRACE_TOOLS.map((t) => t.name).join(', ')}`);
    try {
      const input = toolInput(request.params.arguments);
      if (!input.file) throw new ToolInputError('file is required: the path of a tcpdump text file or a pcap/pcapng capture');
      const trace = await files.get(input.file);
      const text = tool.run(trace, input, { cite: (line) => `line ${line}`, lang: 'en' });
      return { content: [{ type: 'text', text }] };
    } catch (e) {
      if (e instanceof ToolInputError) return failure(e.message);
      return failure(`cannot read ${printable(String(request.params.arguments?.file))}: ${(e as Error).message}`);
    }
  });

  const closed = new Promise<void>((done) => {
    server.onclose = done;
  });
  await server.connect(new StdioServerTransport());
  process.stdin.once('end', () => void server.close());
  await closed;
}

/** A tool's error, which the model reads and can act on (MCP: a result with isError). */
function failure(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
