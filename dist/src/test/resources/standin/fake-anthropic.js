// A fake Anthropic Messages API for the real Claude Code inside the template container, on its loopback (the
// Java FakeAnthropic of the other tests cannot run there: the shipped runtime has no jdk.httpserver, and node is
// what the base has). Streams SSE like the real API:
//   "RUN_BASH: <command>"  a Bash tool_use; once the tool result comes back, "FAKE_DONE: tool said: <result>"
//   anything else          "FAKE_REPLY: you said <text> (user turns seen: <n>)", n counting the user's own
//                          messages in the request: more than 1 proves a resumed conversation
// Usage: node fake-anthropic.js PORT
const http = require('http');
const crypto = require('crypto');

const port = Number(process.argv[2] || 8089);

function send(res, event, data) {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function stripReminders(text) {
  return text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();
}

function textOf(message) {
  if (typeof message.content === 'string') return stripReminders(message.content);
  return stripReminders((message.content || []).filter(b => b.type === 'text').map(b => b.text).join('\n'));
}

function toolResultOf(message) {
  if (typeof message.content === 'string') return null;
  for (const block of message.content || []) {
    if (block.type === 'tool_result') {
      return typeof block.content === 'string' ? block.content
        : (block.content || []).map(p => p.text || '').join('');
    }
  }
  return null;
}

function answer(body, res) {
  const users = (body.messages || []).filter(m => m.role === 'user');
  const last = users[users.length - 1] || { content: '' };
  const id = 'msg_fake_' + crypto.randomBytes(12).toString('hex');
  send(res, 'message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant',
    model: body.model || 'fake', stop_reason: null, content: [], usage: { input_tokens: 10, output_tokens: 1 } } });
  const finish = reason => {
    send(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: reason, stop_sequence: null },
      usage: { output_tokens: 5 } });
    send(res, 'message_stop', { type: 'message_stop' });
    res.end();
  };
  const text = t => {
    send(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    for (const part of t.match(/\S+\s*|\s+/g) || []) {
      send(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: part } });
    }
    send(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
  };
  const result = toolResultOf(last);
  if (result !== null) {
    text('FAKE_DONE: tool said: ' + result.trim());
    return finish('end_turn');
  }
  const said = textOf(last);
  const bash = /RUN_BASH: ([\s\S]*)/.exec(said);
  if (bash) {
    send(res, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use',
      id: 'toolu_fake_' + crypto.randomBytes(12).toString('hex'), name: 'Bash', input: {} } });
    send(res, 'content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta',
      partial_json: JSON.stringify({ command: bash[1].trim(), description: 'fake bash' }) } });
    send(res, 'content_block_stop', { type: 'content_block_stop', index: 0 });
    return finish('tool_use');
  }
  const turns = users.filter(m => toolResultOf(m) === null && textOf(m) !== '').length;
  text(`FAKE_REPLY: you said ${said} (user turns seen: ${turns})`);
  finish('end_turn');
}

http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url.split('?')[0] !== '/v1/messages') {
    res.writeHead(404);
    return res.end();
  }
  let body = '';
  req.on('data', chunk => { body += chunk; });
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'request-id': 'req_fake' });
    answer(JSON.parse(body), res);
  });
}).listen(port, '127.0.0.1', () => console.log(`fake anthropic on 127.0.0.1:${port}`));
